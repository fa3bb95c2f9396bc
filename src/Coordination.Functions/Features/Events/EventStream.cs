using System.Globalization;
using System.Text;
using System.Text.Json;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Coordination.Functions.Features.Events;

/// <summary>
/// The swarm log as Server-Sent Events: <c>id</c> = sequence, <c>event</c> = type, <c>data</c> = the
/// CloudEvent JSON. Resumes after <c>Last-Event-ID</c> (or <c>?cursor=</c>, a log page's <c>nextCursor</c>), so a reconnecting client gets
/// every event exactly once. Wakes at once on events sequenced in this process and polls every
/// <c>Coordination__EventPollMilliseconds</c> for the rest; ends after <see cref="MaxDuration"/> (clients reconnect).
/// </summary>
public static class EventStream
{
    /// <summary>Keep-alive comment spacing (proxies close idle connections).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>A stream ends after this long (below the host's function timeout); the client resumes.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(5);

    private const int BatchSize = 200;

    /// <summary>Streams until the client leaves or <see cref="MaxDuration"/> passes.</summary>
    public static async Task StreamAsync(string id, string? cursor, HttpContext context, EventLog log, CoordinationSettings settings, TimeProvider clock)
    {
        var position = ResumePoint(context.Request, cursor);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var ct = context.RequestAborted;
        var ends = clock.GetUtcNow() + MaxDuration;
        var lastWrite = clock.GetUtcNow();
        await WriteAsync(response, $"retry: 1000\n: stream of {id} after {position}\n\n", ct);
        try
        {
            while (!ct.IsCancellationRequested && clock.GetUtcNow() < ends)
            {
                var events = await log.ReadAsync(id, new EventQuery(position, Limit: BatchSize), ct, waitForOwnWrites: false);
                if (events.Count > 0)
                {
                    await WriteAsync(response, Frame(events), ct);
                    position = events[^1].Sequence;
                    lastWrite = clock.GetUtcNow();
                    if (events.Count == BatchSize)
                    {
                        continue;
                    }
                }
                await log.WaitForNewAsync(id, position, settings.EventPollInterval, ct);
                if (clock.GetUtcNow() - lastWrite >= KeepAliveInterval)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ct);
                    lastWrite = clock.GetUtcNow();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client disconnected; it resumes with Last-Event-ID.
        }
    }

    /// <summary>The SSE frames of <paramref name="events"/>: id = sequence, event = type, data = the CloudEvent JSON.</summary>
    private static string Frame(IReadOnlyList<SwarmEvent> events)
    {
        var frame = new StringBuilder();
        foreach (var e in events)
        {
            frame.Append("id: ").Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
                 .Append("event: ").Append(e.Type).Append('\n')
                 .Append("data: ").Append(JsonSerializer.Serialize(e, JsonDefaults.Options)).Append("\n\n");
        }
        return frame.ToString();
    }

    /// <summary>Last-Event-ID wins over ?cursor= (it is what a reconnecting EventSource sends).</summary>
    internal static long ResumePoint(HttpRequest request, string? cursor)
    {
        var header = request.Headers["Last-Event-ID"].ToString();
        if (header.Length > 0)
        {
            return long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last
                : throw Coordination.Core.Common.Validation.Invalid("Last-Event-ID", "must be a sequence number.");
        }
        return EventCursor.Parse(cursor) ?? 0;
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
