using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>
/// A pipeline policy in the app's real storage clients that holds the next request matching a rule until the
/// test lets it go: a race between two requests is then played in a chosen order instead of hoped for.
/// Nothing is faked: a held request reaches Azurite unchanged once released.
/// </summary>
public sealed class StorageGate : HttpPipelinePolicy
{
    private readonly Lock _gate = new();
    private readonly List<Hold> _holds = [];

    /// <summary>Adds the gate to the app's storage clients (use as <c>configureServices</c>).</summary>
    public void Install(IServiceCollection services)
    {
        // Client defaults are global to the container's Azure clients: this reaches the app's table and queue clients.
        services.AddAzureClients(clients => clients.ConfigureDefaults(options => options.AddPolicy(this, HttpPipelinePosition.PerCall)));
    }

    /// <summary>Holds the next request whose method, URI and body text match <paramref name="when"/>.</summary>
    public Hold HoldNext(Func<string, string, string, bool> when)
    {
        var hold = new Hold(when);
        lock (_gate)
        {
            _holds.Add(hold);
        }
        return hold;
    }

    /// <summary>Holds the next transaction whose body mentions every one of <paramref name="texts"/> (e.g. an event type and a task id).</summary>
    public Hold HoldNextTransaction(params string[] texts) =>
        HoldNext((method, uri, body) => method == "POST" && uri.Contains("$batch", StringComparison.Ordinal) && texts.All(t => body.Contains(t, StringComparison.Ordinal)));

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are async only.");

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Armed() && Match(message.Request.Method.Method, message.Request.Uri.ToString(), await BodyAsync(message.Request)) is { } hold)
        {
            hold.Arrived();
            await hold.Released.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private bool Armed()
    {
        lock (_gate)
        {
            return _holds.Count > 0;
        }
    }

    private Hold? Match(string method, string uri, string body)
    {
        lock (_gate)
        {
            var hold = _holds.FirstOrDefault(h => h.When(method, uri, body));
            if (hold is not null)
            {
                _holds.Remove(hold);
            }
            return hold;
        }
    }

    private static async Task<string> BodyAsync(Request request)
    {
        if (request.Content is null)
        {
            return string.Empty;
        }
        using var buffer = new MemoryStream();
        await request.Content.WriteToAsync(buffer, CancellationToken.None).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>One held request: <see cref="Reached"/> completes when it arrives, <see cref="Release"/> (or disposal) sends it on.</summary>
    public sealed class Hold(Func<string, string, string, bool> when) : IDisposable
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Func<string, string, string, bool> When { get; } = when;

        internal Task Released => _released.Task;

        /// <summary>Completes when the request has arrived and is being held (bounded: a test never hangs on it).</summary>
        public Task Reached => _reached.Task.WaitAsync(TimeSpan.FromSeconds(20));

        /// <summary>Lets the held request go on to storage.</summary>
        public void Release() => _released.TrySetResult();

        /// <inheritdoc />
        public void Dispose() => Release();

        internal void Arrived() => _reached.TrySetResult();
    }
}
