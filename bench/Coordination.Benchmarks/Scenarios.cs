using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Coordination.Benchmarks;

/// <summary>One scenario of the benchmark, run once per concurrency on a fresh swarm.</summary>
public sealed record Scenario(string Key, string Title, RowKind Kind, Func<ScenarioContext, int, Task<RowResult>> RunAsync);

/// <summary>What a scenario run needs: the app client and the timing settings.</summary>
public sealed class ScenarioContext(AppClient app, TimeSpan warmup, TimeSpan measure)
{
    public AppClient App { get; } = app;
    public TimeSpan Warmup { get; } = warmup;
    public TimeSpan Measure { get; } = measure;

    /// <summary>How long a paced latency scenario's sender lets the receiver sit idle before acting.</summary>
    public static readonly TimeSpan IdleBeforeAct = TimeSpan.FromMilliseconds(100);

    public Task<Measurement> LoadAsync(int clients, Func<int, long, CancellationToken, Task<OpResult>> op) =>
        LoadRunner.RunAsync(clients, Warmup, Measure, op, ct => App.StorageCallTotalsAsync(ct));
}

/// <summary>The API scenarios of issue 8. Set-up (swarm, joins, pre-created work) happens before the timed window.</summary>
public static class Scenarios
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("task-enqueue", "task enqueue", RowKind.Write, TaskEnqueueAsync),
        new("claim-complete", "claim → complete", RowKind.Write, ClaimCompleteAsync),
        new("bulk-create-100", "bulk create of 100", RowKind.Write, BulkCreateAsync),
        new("enqueue-to-idle-claimer", "enqueue → idle claimer", RowKind.Latency, EnqueueToIdleClaimerAsync),
        new("lock-hot", "lock acq → rel, hot", RowKind.Write, LockHotAsync),
        new("lock-distinct", "lock acq → rel, distinct", RowKind.Write, LockDistinctAsync),
        new("lock-handoff", "lock handoff", RowKind.Latency, LockHandoffAsync),
        new("state-increment-hot", "state incr, hot key", RowKind.Write, StateIncrementHotAsync),
        new("state-set-distinct", "state set, distinct keys", RowKind.Write, StateSetDistinctAsync),
        new("message-send-inbox", "message send → inbox", RowKind.Write, MessageSendInboxAsync),
        new("event-to-sse", "event append → SSE", RowKind.Write, EventToSseAsync),
    ];

    private static Task<BenchSwarm> SwarmAsync(ScenarioContext cx, string key, int clients) =>
        cx.App.CreateSwarmAsync($"{key} c{clients}", maxAgents: 2 * clients + 2);

    // ---- tasks -------------------------------------------------------------------------------------------------

    private static async Task<RowResult> TaskEnqueueAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "task-enqueue", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var body = AppClient.Body(new { type = "bench", title = "enqueued by the benchmark" });
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var reply = await cx.App.PostAsync(swarm.Path("tasks"), workers[i], body, ct);
            return reply.Status == 201 ? OpResult.Success(LoadRunner.MsSince(began), reply.Calls, reply.Conflicts) : OpResult.Failure(reply, "create task");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        return RowResult.From("task-enqueue", "task enqueue", RowKind.Write, clients, m);
    }

    /// <summary>
    /// Work made ready before a claim → complete window (the app's or a baseline's): enough for warm-up and window at
    /// <paramref name="perSecond"/>, so the queue never drains inside the window. A larger backlog is not free on
    /// Azurite, which evaluates every query over every row of the table: the floor below keeps the old sizes.
    /// </summary>
    public static int PreparedTasks(int clients, TimeSpan window, int perSecond = 400) =>
        Math.Max(clients switch { 1 => 400, <= 8 => 800, _ => 1000 }, (int)(perSecond * window.TotalSeconds));

    private static async Task<RowResult> ClaimCompleteAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "claim-complete", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        var prepared = PreparedTasks(clients, cx.Warmup + cx.Measure);
        await CreateTasksAsync(cx.App, swarm, "work", prepared);
        await cx.App.SettleAsync(swarm);

        var claimBody = AppClient.Body(new { count = 1, leaseSeconds = 300 });
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var claim = await cx.App.PostAsync(swarm.Path("tasks/claim"), workers[i], claimBody, ct);
            if (claim.Status != 200)
            {
                return OpResult.Failure(claim, "claim");
            }
            var tasks = claim.Body!["items"]!.AsArray();
            if (tasks.Count == 0)
            {
                return OpResult.Empty;
            }
            var task = tasks[0]!;
            var complete = await cx.App.PostAsync(swarm.Path($"tasks/{(string)task["taskId"]!}/complete"), workers[i],
                new { leaseId = (string?)task["leaseId"], fencingToken = (long?)task["fencingToken"], result = new { ok = true } }, ct);
            return complete.Status == 200
                ? OpResult.Success(LoadRunner.MsSince(began), claim.Calls + complete.Calls, claim.Conflicts + complete.Conflicts)
                : OpResult.Failure(complete, "complete");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("claim-complete", "claim → complete", RowKind.Write, clients, m);
        row.Notes.Add($"{prepared} tasks ready at the start");
        if (m.Drained)
        {
            row.Notes.Add($"queue drained after {m.Seconds:0.0} s of the window");
        }
        return row;
    }

    private static async Task CreateTasksAsync(AppClient app, BenchSwarm swarm, string type, int count)
    {
        var batches = Enumerable.Range(0, (count + 99) / 100).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, ct) =>
        {
            var size = Math.Min(100, count - b * 100);
            var tasks = Enumerable.Range(0, size).Select(j => new { type, title = $"prepared {b * 100 + j}" }).ToList();
            var reply = await app.PostAsync(swarm.Path("tasks/bulk"), swarm.CoordinatorToken, new { tasks }, ct);
            AppClient.Require(reply, 201, "create tasks in bulk");
        });
    }

    private static async Task<RowResult> BulkCreateAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "bulk-create-100", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var body = AppClient.Body(new { tasks = Enumerable.Range(0, 100).Select(j => new { type = "bulk", title = $"bulk item {j}" }).ToList() });
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var reply = await cx.App.PostAsync(swarm.Path("tasks/bulk"), workers[i], body, ct);
            return reply.Status == 201 ? OpResult.Success(LoadRunner.MsSince(began), reply.Calls, reply.Conflicts) : OpResult.Failure(reply, "bulk create");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("bulk-create-100", "bulk create of 100", RowKind.Write, clients, m);
        row.Notes.Add($"{row.OpsPerSec * 100:0} tasks/s");
        return row;
    }

    /// <summary>
    /// Pairs: a claimer blocks in claim(wait) on its own task type; after it has sat idle, its enqueuer creates one task
    /// of that type. Latency = enqueue request start → the claimer's response has arrived.
    /// </summary>
    private static async Task<RowResult> EnqueueToIdleClaimerAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "enqueue-to-idle-claimer", clients);
        var claimers = await cx.App.JoinManyAsync(swarm, "claimer", clients);
        var enqueuers = await cx.App.JoinManyAsync(swarm, "enqueuer", clients);
        await cx.App.SettleAsync(swarm);
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var type = $"pair{i}";
            var claimed = Timed(cx.App.PostAsync(swarm.Path("tasks/claim"), claimers[i], new { types = new[] { type }, count = 1, leaseSeconds = 60, wait = 10 }, ct));
            await Task.Delay(ScenarioContext.IdleBeforeAct, ct);
            var enqueuedAt = Stopwatch.GetTimestamp();
            var enqueue = await cx.App.PostAsync(swarm.Path("tasks"), enqueuers[i], new { type, title = "for the idle claimer" }, ct);
            if (enqueue.Status != 201)
            {
                await claimed;
                return OpResult.Failure(enqueue, "enqueue");
            }
            var (claim, receivedAt) = await claimed;
            if (claim.Status != 200 || claim.Body!["items"]!.AsArray().Count != 1)
            {
                return OpResult.Failure(claim, "blocking claim");
            }
            return OpResult.Success(LoadRunner.Ms(enqueuedAt, receivedAt), enqueue.Calls + claim.Calls, enqueue.Conflicts + claim.Conflicts);
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("enqueue-to-idle-claimer", "enqueue → idle claimer", RowKind.Latency, clients, m);
        row.Notes.Add($"{clients} claimer/enqueuer pair(s), claimer idle {ScenarioContext.IdleBeforeAct.TotalMilliseconds:0} ms first; calls = enqueue + blocking claim");
        return row;
    }

    // ---- locks -------------------------------------------------------------------------------------------------

    private static async Task<RowResult> LockHotAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "lock-hot", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var body = AppClient.Body(new { resource = "hot/resource", ttl = 60, wait = true, waitTimeout = 30 });
        var m = await cx.LoadAsync(clients, (i, began, ct) => AcquireReleaseAsync(cx.App, swarm, workers[i], body, began, ct));
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("lock-hot", "lock acq → rel, hot", RowKind.Write, clients, m);
        row.Notes.Add("one resource; acquire with wait=true, then release");
        return row;
    }

    private static async Task<RowResult> LockDistinctAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "lock-distinct", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var bodies = Enumerable.Range(0, clients).Select(i => AppClient.Body(new { resource = $"resource/{i}", ttl = 60 })).ToArray();
        var m = await cx.LoadAsync(clients, (i, began, ct) => AcquireReleaseAsync(cx.App, swarm, workers[i], bodies[i], began, ct));
        await cx.App.SettleAfterWindowAsync(swarm);
        return RowResult.From("lock-distinct", "lock acq → rel, distinct", RowKind.Write, clients, m);
    }

    private static async Task<OpResult> AcquireReleaseAsync(AppClient app, BenchSwarm swarm, string token, string body, long began, CancellationToken ct)
    {
        var acquire = await app.PostAsync(swarm.Path("locks"), token, body, ct);
        if (acquire.Status != 200)
        {
            return OpResult.Failure(acquire, "acquire");
        }
        if (acquire.Body!["acquired"]?.GetValue<bool>() != true)
        {
            return OpResult.Failure(acquire, "acquire (not acquired)");
        }
        var release = await app.DeleteAsync(swarm.Path($"locks/{(string)acquire.Body!["claimId"]!}"), token, ct);
        return release.Status == 204
            ? OpResult.Success(LoadRunner.MsSince(began), acquire.Calls + release.Calls, acquire.Conflicts + release.Conflicts)
            : OpResult.Failure(release, "release");
    }

    /// <summary>
    /// Pairs on their own resource: the holder takes the lock, the waiter asks with wait=true and sits idle, the holder
    /// releases. Latency = release request start → the waiter's grant has arrived. Calls = release + waiting acquire.
    /// </summary>
    private static async Task<RowResult> LockHandoffAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "lock-handoff", clients);
        var holders = await cx.App.JoinManyAsync(swarm, "holder", clients);
        var waiters = await cx.App.JoinManyAsync(swarm, "waiter", clients);
        await cx.App.SettleAsync(swarm);
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var resource = $"handoff/{i}";
            var held = await cx.App.PostAsync(swarm.Path("locks"), holders[i], new { resource, ttl = 60 }, ct);
            if (held.Status != 200 || held.Body!["acquired"]?.GetValue<bool>() != true)
            {
                return OpResult.Failure(held, "holder acquire");
            }
            var waited = Timed(cx.App.PostAsync(swarm.Path("locks"), waiters[i], new { resource, ttl = 60, wait = true, waitTimeout = 10 }, ct));
            await Task.Delay(ScenarioContext.IdleBeforeAct, ct);
            var releasedAt = Stopwatch.GetTimestamp();
            var release = await cx.App.DeleteAsync(swarm.Path($"locks/{(string)held.Body!["claimId"]!}"), holders[i], ct);
            var (grant, grantedAt) = await waited;
            if (release.Status != 204)
            {
                return OpResult.Failure(release, "holder release");
            }
            if (grant.Status != 200 || grant.Body!["acquired"]?.GetValue<bool>() != true)
            {
                return OpResult.Failure(grant, "waiting acquire");
            }
            var latency = LoadRunner.Ms(releasedAt, grantedAt);
            var giveBack = await cx.App.DeleteAsync(swarm.Path($"locks/{(string)grant.Body!["claimId"]!}"), waiters[i], ct);
            return giveBack.Status == 204
                ? OpResult.Success(latency, release.Calls + grant.Calls, release.Conflicts + grant.Conflicts)
                : OpResult.Failure(giveBack, "waiter release");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("lock-handoff", "lock handoff", RowKind.Latency, clients, m);
        row.Notes.Add($"{clients} holder/waiter pair(s), waiter idle {ScenarioContext.IdleBeforeAct.TotalMilliseconds:0} ms first; calls = release + waiting acquire");
        return row;
    }

    // ---- state -------------------------------------------------------------------------------------------------

    private static async Task<RowResult> StateIncrementHotAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "state-increment-hot", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var body = AppClient.Body(new { delta = 1 });
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var reply = await cx.App.PostAsync(swarm.Path("state/hot-counter/increment"), workers[i], body, ct);
            return reply.Status == 200 ? OpResult.Success(LoadRunner.MsSince(began), reply.Calls, reply.Conflicts) : OpResult.Failure(reply, "increment");
        });
        var final = await cx.App.GetAsync(swarm.Path("state/hot-counter"), swarm.CoordinatorToken);
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("state-increment-hot", "state incr, hot key", RowKind.Write, clients, m);
        var value = final.Ok ? final.Body!["value"]?.GetValue<long>() : null;
        row.Notes.Add(value == m.AllSucceeded
            ? $"final value {value} = successful increments ✓"
            : $"final value {value?.ToString() ?? "missing"} ≠ {m.AllSucceeded} successful increments ✗");
        return row;
    }

    private static async Task<RowResult> StateSetDistinctAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "state-set-distinct", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);
        var counters = new long[clients];
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var reply = await cx.App.PutAsync(swarm.Path($"state/key-{i}"), workers[i], new { value = new { n = ++counters[i], by = i } }, ct);
            return reply.Status == 200 ? OpResult.Success(LoadRunner.MsSince(began), reply.Calls, reply.Conflicts) : OpResult.Failure(reply, "set");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        return RowResult.From("state-set-distinct", "state set, distinct keys", RowKind.Write, clients, m);
    }

    // ---- messages and events -------------------------------------------------------------------------------------

    /// <summary>Pairs: the sender sends to its recipient, who reads its pending inbox until the message is there.</summary>
    private static async Task<RowResult> MessageSendInboxAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "message-send-inbox", clients);
        var senders = await cx.App.JoinManyAsync(swarm, "sender", clients);
        var recipients = await cx.App.JoinManyAsync(swarm, "recipient", clients);
        await cx.App.SettleAsync(swarm);
        var bodies = Enumerable.Range(0, clients).Select(i => AppClient.Body(new { to = $"recipient{i}", content = "a message from the benchmark", subject = "bench" })).ToArray();
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var send = await cx.App.PostAsync(swarm.Path("messages"), senders[i], bodies[i], ct);
            if (send.Status != 201)
            {
                return OpResult.Failure(send, "send");
            }
            var messageId = (string)send.Body!["messageId"]!;
            int calls = send.Calls, conflicts = send.Conflicts;
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var inbox = await cx.App.GetAsync(swarm.Path("inbox?status=pending&limit=10&includeBroadcast=false"), recipients[i], ct);
                if (inbox.Status != 200)
                {
                    return OpResult.Failure(inbox, "inbox");
                }
                calls += inbox.Calls;
                conflicts += inbox.Conflicts;
                if (inbox.Body!["items"]!.AsArray().Any(x => (string?)x!["messageId"] == messageId))
                {
                    return OpResult.Success(LoadRunner.MsSince(began), calls, conflicts);
                }
                await Task.Delay(5, ct);
            }
            return OpResult.Failure($"message {messageId} not in the inbox after 20 reads");
        });
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("message-send-inbox", "message send → inbox", RowKind.Write, clients, m);
        row.Notes.Add("op = send + the recipient's pending-inbox read that returns it");
        return row;
    }

    /// <summary>
    /// Appenders broadcast events carrying a nonce; one SSE subscriber (opened before the window) notes when each
    /// nonce arrives. Latency = append request start → the event's SSE frame has arrived.
    /// </summary>
    private static async Task<RowResult> EventToSseAsync(ScenarioContext cx, int clients)
    {
        var swarm = await SwarmAsync(cx, "event-to-sse", clients);
        var workers = await cx.App.JoinManyAsync(swarm, "w", clients);
        await cx.App.SettleAsync(swarm);

        var received = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, swarm.Path($"events/stream?cursor={swarm.LogEnd}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", swarm.CoordinatorToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await cx.App.Streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = Task.Run(() => ReadSseAsync(response, received, stop.Token));

        var counters = new long[clients];
        var m = await cx.LoadAsync(clients, async (i, began, ct) =>
        {
            var nonce = $"{i}-{++counters[i]}";
            var reply = await cx.App.PostAsync(swarm.Path("events"), workers[i], new { type = "bench.tick", data = new { nonce } }, ct);
            return reply.Status == 202 ? OpResult.Success(double.NaN, reply.Calls, reply.Conflicts, nonce) : OpResult.Failure(reply, "append");
        });

        // Give the stream a bounded moment to deliver what was appended in the window.
        var deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
        while (m.Samples.Any(s => !received.ContainsKey(s.Tag!)) && Stopwatch.GetTimestamp() < deadline && !reader.IsCompleted)
        {
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await reader;

        var missing = 0;
        foreach (var sample in m.Samples)
        {
            if (received.TryGetValue(sample.Tag!, out var at))
            {
                sample.LatencyMs = LoadRunner.Ms(sample.StartedAt, at);
            }
            else
            {
                missing++;
            }
        }
        if (missing > 0)
        {
            m.AddError($"{missing} appended event(s) never arrived on the SSE stream within 5 s");
            m.Errors += missing - 1;
        }
        await cx.App.SettleAfterWindowAsync(swarm);
        var row = RowResult.From("event-to-sse", "event append → SSE", RowKind.Write, clients, m);
        row.Notes.Add("latency = append start → SSE frame received by one subscriber; calls = the append's");
        return row;
    }

    private static async Task ReadSseAsync(HttpResponseMessage response, ConcurrentDictionary<string, long> received, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var lines = new StreamReader(stream);
            while (await lines.ReadLineAsync(ct) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }
                var at = Stopwatch.GetTimestamp();
                var cloudEvent = JsonNode.Parse(line.AsSpan(6).ToString());
                if (cloudEvent?["data"]?["nonce"]?.GetValue<string>() is { } nonce)
                {
                    received.TryAdd(nonce, at);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Done listening.
        }
    }

    /// <summary>Awaits a reply and notes when it arrived (before anything else the caller awaits in between).</summary>
    private static async Task<(Reply Reply, long At)> Timed(Task<Reply> call)
    {
        var reply = await call.ConfigureAwait(false);
        return (reply, Stopwatch.GetTimestamp());
    }
}
