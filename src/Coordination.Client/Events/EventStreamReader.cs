using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Events;

namespace Coordination.Client.Events;

/// <summary>
/// Reads the SSE stream and reconnects after a drop with Last-Event-ID set to the last sequence yielded. The server
/// resumes strictly after it, so events are neither missed nor repeated; a sequence at or below the last one is skipped
/// anyway, in case a proxy replays. Reconnects wait the server's <c>retry:</c> (1 s), doubling to 30 s while they fail.
/// </summary>
internal sealed class EventStreamReader(ApiTransport api, string path)
{
    private static readonly TimeSpan LongestBackOff = TimeSpan.FromSeconds(30);

    public async IAsyncEnumerable<SwarmEvent> ReadAsync(long after, [EnumeratorCancellation] CancellationToken ct)
    {
        var last = after;
        var retry = TimeSpan.FromSeconds(1);
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            HttpResponseMessage? response = null;
            try
            {
                response = await api.OpenAsync(path, new Dictionary<string, string> { ["Last-Event-ID"] = last.ToString(CultureInfo.InvariantCulture) }, ct)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (Reconnectable(ex, ct))
            {
                response = null;
            }
            if (response is not null)
            {
                using (response)
                {
                    var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    var parser = SseParser.Create(stream, (_, data) => data.IsEmpty ? null : JsonSerializer.Deserialize<SwarmEvent>(data, WireJson.Options));
                    var enumerator = parser.EnumerateAsync(ct).GetAsyncEnumerator(ct);
                    try
                    {
                        while (true)
                        {
                            SseItem<SwarmEvent?> item;
                            try
                            {
                                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                                {
                                    break;
                                }
                                item = enumerator.Current;
                            }
                            catch (Exception ex) when (Reconnectable(ex, ct))
                            {
                                break;
                            }
                            if (parser.ReconnectionInterval > TimeSpan.Zero)
                            {
                                retry = parser.ReconnectionInterval;
                            }
                            if (item.Data is { } swarmEvent && swarmEvent.Sequence > last)
                            {
                                last = swarmEvent.Sequence;
                                failures = 0;
                                yield return swarmEvent;
                            }
                        }
                    }
                    finally
                    {
                        await enumerator.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            else
            {
                failures++;
            }
            var wait = TimeSpan.FromTicks(Math.Min(LongestBackOff.Ticks, retry.Ticks * (1L << Math.Min(failures, 5))));
            try
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>A drop worth reconnecting after: the connection failed or broke, or the server was busy (429/503).</summary>
    private static bool Reconnectable(Exception ex, CancellationToken ct) => !ct.IsCancellationRequested && ex switch
    {
        HttpRequestException or IOException => true,
        CoordinationProblemException problem => problem.IsTransient,
        OperationCanceledException => true,   // a timeout of the connection, not the caller's cancellation
        _ => false,
    };
}
