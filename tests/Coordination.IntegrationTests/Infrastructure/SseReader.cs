using System.Net.Http.Headers;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>One Server-Sent Event.</summary>
/// <param name="Id">The <c>id:</c> field.</param>
/// <param name="Event">The <c>event:</c> field.</param>
/// <param name="Data">The <c>data:</c> field(s), joined by newlines.</param>
public sealed record SseEvent(string? Id, string? Event, string Data);

/// <summary>A minimal SSE client over HttpClient, reading frames as the server flushes them.</summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    /// <summary>The response (status, headers).</summary>
    public HttpResponseMessage Response => _response;

    /// <summary>Opens the stream; <paramref name="lastEventId"/> resumes after that id.</summary>
    public static async Task<SseReader> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        return new SseReader(response, new StreamReader(stream));
    }

    /// <summary>The next event (comments and retry lines skipped), or null at end of stream or timeout.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string? id = null, type = null;
        var data = new List<string>();
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(cts.Token);
                if (line is null)
                {
                    return null;
                }
                if (line.Length == 0)
                {
                    if (data.Count > 0)
                    {
                        return new SseEvent(id, type, string.Join('\n', data));
                    }
                    continue;
                }
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Add(line[6..]);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
