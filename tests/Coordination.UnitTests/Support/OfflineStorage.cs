using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Coordination.Storage;

namespace Coordination.UnitTests.Support;

/// <summary>
/// Storage clients for request-builder tests: the Azurite development connection, with a transport that fails
/// the test if anything tries to send, so "building a request sends nothing" is checked rather than assumed.
/// </summary>
internal static class OfflineStorage
{
    public static StorageConnection Connection { get; } = StorageConnection.Parse("UseDevelopmentStorage=true");

    public static StorageClientOptions Options(QueueMessageEncoding encoding = QueueMessageEncoding.Base64) =>
        new() { Transport = new RefusingTransport(), MessageEncoding = encoding };

    public static string Header(this Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"Header {name} is missing.");

    public static string BodyText(this Request request)
    {
        if (request.Content is null)
        {
            return string.Empty;
        }
        using var stream = new MemoryStream();
        request.Content.WriteTo(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private sealed class RefusingTransport : HttpPipelineTransport
    {
        public override Request CreateRequest() => HttpClientTransport.Shared.CreateRequest();

        public override void Process(HttpMessage message) =>
            throw new InvalidOperationException($"A unit test tried to send {message.Request.Method} {message.Request.Uri}.");

        public override ValueTask ProcessAsync(HttpMessage message)
        {
            Process(message);
            return ValueTask.CompletedTask;
        }
    }
}
