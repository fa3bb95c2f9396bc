using System.Diagnostics;

namespace Coordination.Benchmarks;

/// <summary>What one operation of a client loop came to.</summary>
public enum OpKind
{
    /// <summary>Succeeded; counted when it started inside the measured window.</summary>
    Done,

    /// <summary>An unexpected answer or exception: counted as an error, not an operation.</summary>
    Failed,

    /// <summary>Nothing left to do (e.g. the task queue is empty): ends the window for every client.</summary>
    Drained,
}

/// <summary>
/// The outcome of one operation: its latency, the storage calls and lost races its requests reported, and a tag that
/// lets a scenario fill the latency in later (event → SSE receive).
/// </summary>
public readonly record struct OpResult(OpKind Kind, double LatencyMs, int Calls, int Conflicts, string? Error = null, string? Tag = null)
{
    public static OpResult Success(double latencyMs, int calls, int conflicts, string? tag = null) => new(OpKind.Done, latencyMs, calls, conflicts, null, tag);

    public static OpResult Failure(string error) => new(OpKind.Failed, 0, 0, 0, error);

    public static OpResult Failure(Reply reply, string what) => Failure($"{what}: {reply.Describe()}");

    public static readonly OpResult Empty = new(OpKind.Drained, 0, 0, 0);
}

/// <summary>A recorded operation (inside the window).</summary>
public sealed class Sample(long startedAt, double latencyMs, int calls, int conflicts, string? tag)
{
    public long StartedAt { get; } = startedAt;
    public double LatencyMs { get; set; } = latencyMs;
    public int Calls { get; } = calls;
    public int Conflicts { get; } = conflicts;
    public string? Tag { get; } = tag;
}

/// <summary>What a run measured: samples inside the window, errors, and the window's real length.</summary>
public sealed class Measurement
{
    public List<Sample> Samples { get; } = [];
    public int Errors { get; set; }
    public string? FirstError { get; set; }
    public double Seconds { get; set; }
    public bool Drained { get; set; }

    /// <summary>CPU used in the measured window (ms): by the app, by Azurite, by this load generator.</summary>
    public double? AppCpuMs { get; set; }
    public double? AzuriteCpuMs { get; set; }
    public double ClientCpuMs { get; set; }

    /// <summary>The app's storage calls in the measured window by kind, background work included (null for a baseline).</summary>
    public Dictionary<string, long>? CallsByKind { get; set; }

    /// <summary>Operations that succeeded in total (warm-up and tail included), for correctness checks.</summary>
    public long AllSucceeded { get; set; }

    public void AddError(string message)
    {
        Errors++;
        FirstError ??= message;
    }
}

/// <summary>
/// Runs N client loops for warm-up + measure seconds. An operation counts when it starts inside the measured
/// window; the window ends early if a client finds nothing left to do. Bounded: loops stop starting operations at
/// the window's end, and a hard deadline cancels whatever is still in flight well after it.
/// </summary>
public static class LoadRunner
{
    public static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    public static double MsSince(long from) => Stopwatch.GetElapsedTime(from).TotalMilliseconds;

    public static async Task<Measurement> RunAsync(int clients, TimeSpan warmup, TimeSpan measure, Func<int, long, CancellationToken, Task<OpResult>> op,
        Func<CancellationToken, Task<Dictionary<string, long>>>? callTotals = null)
    {
        var result = new Measurement();
        var gate = new object();
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(measure.TotalSeconds * Stopwatch.Frequency);
        long drainedAt = 0;
        using var hard = new CancellationTokenSource(warmup + measure + TimeSpan.FromSeconds(60));
        using var windowDone = new CancellationTokenSource();
        // CPU of the app and Azurite over the measured window (until it ends or a client finds nothing left).
        var cpu = Task.Run(async () =>
        {
            await Task.Delay(warmup).ConfigureAwait(false);
            var from = ProcessCpu.Current.Take();
            var callsFrom = callTotals is null ? null : await callTotals(hard.Token).ConfigureAwait(false);
            WindowMark.Started();
            try
            {
                await Task.Delay(measure, windowDone.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The window ended early (drained).
            }
            var to = ProcessCpu.Current.Take();
            if (callsFrom is not null)
            {
                var callsTo = await callTotals!(hard.Token).ConfigureAwait(false);
                result.CallsByKind = callsTo.ToDictionary(pair => pair.Key, pair => pair.Value - callsFrom.GetValueOrDefault(pair.Key));
            }
            result.AppCpuMs = to.AppMs - from.AppMs;
            result.AzuriteCpuMs = to.AzuriteMs - from.AzuriteMs;
            result.ClientCpuMs = to.ClientMs - from.ClientMs;
        });

        var loops = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < stopAt && Interlocked.Read(ref drainedAt) == 0 && !hard.IsCancellationRequested)
            {
                var began = Stopwatch.GetTimestamp();
                OpResult outcome;
                try
                {
                    outcome = await op(client, began, hard.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!hard.IsCancellationRequested)
                {
                    outcome = OpResult.Failure($"{e.GetType().Name}: {e.Message}");
                }
                catch (OperationCanceledException)
                {
                    lock (gate)
                    {
                        result.AddError("cancelled at the hard deadline");
                    }
                    return;
                }
                var inWindow = began >= measureFrom && began < stopAt;
                switch (outcome.Kind)
                {
                    case OpKind.Drained:
                        if (Interlocked.CompareExchange(ref drainedAt, Stopwatch.GetTimestamp(), 0) == 0)
                        {
                            await windowDone.CancelAsync().ConfigureAwait(false);
                        }
                        return;
                    case OpKind.Failed:
                        lock (gate)
                        {
                            result.AddError(outcome.Error ?? "failed");
                        }
                        await Task.Delay(50).ConfigureAwait(false);   // no hot loop on a failing route
                        break;
                    default:
                        lock (gate)
                        {
                            result.AllSucceeded++;
                            if (inWindow)
                            {
                                result.Samples.Add(new Sample(began, outcome.LatencyMs, outcome.Calls, outcome.Conflicts, outcome.Tag));
                            }
                        }
                        break;
                }
            }
        })).ToList();
        await Task.WhenAll(loops).ConfigureAwait(false);
        await cpu.ConfigureAwait(false);

        var end = drainedAt != 0 ? Math.Min(drainedAt, stopAt) : stopAt;
        result.Drained = drainedAt != 0;
        result.Seconds = Math.Max(0, Stopwatch.GetElapsedTime(measureFrom, end).TotalSeconds);
        if (drainedAt != 0 && drainedAt < measureFrom)
        {
            result.Seconds = 0;
        }
        return result;
    }
}
