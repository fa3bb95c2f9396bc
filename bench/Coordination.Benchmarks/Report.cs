using System.Globalization;
using System.Text;

namespace Coordination.Benchmarks;

/// <summary>Ratios to the baselines, the issue's targets as ✓/✗ lines, and the printed table.</summary>
public sealed class Report(IReadOnlyList<RowResult> rows, IReadOnlyList<int> clientCounts)
{
    public IReadOnlyList<RowResult> Rows { get; } = rows;

    public List<TargetResult> Targets { get; } = [];

    private RowResult? Find(string key, int clients) => Rows.FirstOrDefault(r => r.Key == key && r.Clients == clients && !r.Skipped && r.Ops > 0);

    /// <summary>
    /// The raw Table floor at this concurrency: the better (higher ops/s) of its two measurements, at the start and at
    /// the end of the run, since a floor is what the store can do and this machine's noise only ever adds to it.
    /// </summary>
    private RowResult? RawTable(int clients) =>
        new[] { Find(Baselines.RawTableKey, clients), Find(Baselines.RawTableKey + "-end", clients) }.Where(r => r is not null).MaxBy(r => r!.OpsPerSec);

    private RowResult? Queue(int clients) => Find(Baselines.QueueKey, clients);

    /// <summary>Fills each row's ratios to the baselines at the same concurrency.</summary>
    public void ComputeRatios()
    {
        foreach (var row in Rows.Where(r => !r.Skipped && r.Ops > 0))
        {
            var raw = RawTable(row.Clients);
            var queue = Queue(row.Clients);
            if (row.Key.StartsWith(Baselines.RawTableKey, StringComparison.Ordinal))
            {
                continue;
            }
            if (raw?.P50 is > 0 && row.P50 is { } p50)
            {
                row.P50OverRawTable = p50 / raw.P50.Value;
            }
            if (queue is { OpsPerSec: > 0 } && row.Kind != RowKind.Baseline)
            {
                row.OpsOverQueue = row.OpsPerSec / queue.OpsPerSec;
            }
            if (row.Kind == RowKind.Write && raw is { OpsPerSec: > 0 } && row.CallsPerOp is { } calls)
            {
                row.StorageEfficiency = row.OpsPerSec * calls / raw.OpsPerSec;
            }
        }
    }

    /// <summary>The targets of issue 13: reported, never asserted.</summary>
    public void EvaluateTargets()
    {
        foreach (var c in clientCounts)
        {
            Beats($"claim→complete ≥ Storage Queue recv→del (c={c})", Find("claim-complete", c), Queue(c));
            Beats($"claim→complete ≥ naive table queue (c={c})", Find("claim-complete", c), Find(NaiveTableQueue.Key, c));
        }

        var claim8 = Find("claim-complete", 8);
        var claim32 = Find("claim-complete", 32);
        const string scaling = "claim→complete at 32 clients not below 8 clients, ≤ 0.5 lost races per claim";
        if (claim8 is not null && claim32 is not null && claim32.ConflictsPerOp is { } lost)
        {
            Add(scaling, claim32.OpsPerSec >= claim8.OpsPerSec && lost <= 0.5,
                $"{claim32.OpsPerSec:0} vs {claim8.OpsPerSec:0} ops/s; {lost:0.00} lost races per claim at 32");
        }
        else
        {
            Missing(scaling);
        }

        PerConcurrency("enqueue → idle claimer p50", "enqueue-to-idle-claimer", r => r.P50, c => c <= 8 ? 10 : 25);
        PerConcurrency("event append → SSE p99", "event-to-sse", r => r.P99, c => c <= 8 ? 100 : 250);
        PerConcurrency("lock handoff p50", "lock-handoff", r => r.P50, _ => 50);

        foreach (var c in clientCounts)
        {
            var cycle = Find("claim-complete", c);
            var raw = RawTable(c);
            if (cycle?.AppCpuMsPerOp is { } app && cycle.AzuriteCpuMsPerOp is { } azurite && raw?.AzuriteCpuMsPerOp is { } rawAzurite and > 0)
            {
                Add($"claim→complete app CPU ≤ 3 ms and Azurite CPU ≤ 5× a raw write's (c={c})", app <= 3 && azurite <= 5 * rawAzurite,
                    $"app {app:0.00} ms, Azurite {azurite:0.00} ms = {azurite / rawAzurite:0.0}× a raw write's {rawAzurite:0.00} ms");
            }
            else
            {
                Missing($"claim→complete app CPU ≤ 3 ms and Azurite CPU ≤ 5× a raw write's (c={c})");
            }
        }

        var widest = clientCounts.Max();
        foreach (var scenario in Scenarios.All.Where(s => s.Kind == RowKind.Write))
        {
            var name = $"storage efficiency ≥ 0.5 at {widest} clients: {scenario.Title}";
            if (Find(scenario.Key, widest)?.StorageEfficiency is { } efficiency)
            {
                Add(name, efficiency >= 0.5, efficiency.ToString("0.00", CultureInfo.InvariantCulture));
            }
            else
            {
                Missing(name);
            }
        }
    }

    private void Beats(string target, RowResult? row, RowResult? baseline)
    {
        if (row is null || baseline is not { OpsPerSec: > 0 })
        {
            Missing(target);
            return;
        }
        Add(target, row.OpsPerSec >= baseline.OpsPerSec, $"{row.OpsPerSec:0} vs {baseline.OpsPerSec:0} ops/s = {row.OpsPerSec / baseline.OpsPerSec:0.00}×");
    }

    private void PerConcurrency(string target, string key, Func<RowResult, double?> value, Func<int, double> limit)
    {
        foreach (var c in clientCounts)
        {
            var name = $"{target} ≤ {limit(c):0} ms (c={c})";
            var row = Find(key, c);
            if (row is null || value(row) is not { } v)
            {
                Missing(name);
                continue;
            }
            Add(name, v <= limit(c), Ms(v));
        }
    }

    private void Add(string target, bool passed, string detail) => Targets.Add(new TargetResult(target, passed, detail));

    private void Missing(string target) => Targets.Add(new TargetResult(target, null, "not measured in this run"));

    /// <summary>The one table, the notes, and the target lines.</summary>
    public string Render(TimeSpan elapsed, string header)
    {
        var sb = new StringBuilder();
        sb.AppendLine(header);
        var columns = new[] { ("scenario", -31), ("c", 3), ("ops/s", 8), ("p50 ms", 8), ("p95 ms", 8), ("p99 ms", 8), ("calls/op", 9), ("confl/op", 9), ("appCPU", 7), ("azCPU", 6), ("err", 5), ("p50÷rawT", 9), ("ops÷queue", 10), ("eff", 6) };
        var line = string.Join(" ", columns.Select(c => Pad(c.Item1, c.Item2)));
        sb.AppendLine(line);
        sb.AppendLine(new string('-', line.Length));
        string? previous = null;
        foreach (var row in Rows)
        {
            if (previous is not null && previous != row.Key)
            {
                sb.AppendLine();
            }
            previous = row.Key;
            if (row.Skipped)
            {
                sb.AppendLine($"{Pad(row.Title, -31)} {Pad(row.Clients.ToString(CultureInfo.InvariantCulture), 3)} skipped: {row.Notes.FirstOrDefault()}");
                continue;
            }
            string[] cells =
            [
                row.Title, row.Clients.ToString(CultureInfo.InvariantCulture), F(row.OpsPerSec, "0.0"), F(row.P50, "0.0"), F(row.P95, "0.0"), F(row.P99, "0.0"),
                F(row.CallsPerOp, "0.00"), F(row.ConflictsPerOp, "0.00"), F(row.AppCpuMsPerOp, "0.00"), F(row.AzuriteCpuMsPerOp, "0.00"),
                row.Errors.ToString(CultureInfo.InvariantCulture),
                F(row.P50OverRawTable, "0.0"), F(row.OpsOverQueue, "0.00"), F(row.StorageEfficiency, "0.00"),
            ];
            sb.AppendLine(string.Join(" ", cells.Select((cell, i) => Pad(cell, columns[i].Item2))));
        }
        sb.AppendLine();
        sb.AppendLine("Columns: ops/s over the measured window; p50/p95/p99 latency of one op (ms); calls/op = mean X-Storage-Calls over the op's requests;");
        sb.AppendLine("confl/op = mean X-Storage-Conflicts (writes that lost an ETag race); appCPU / azCPU = CPU ms per op of the app / of Azurite in the");
        sb.AppendLine("window (Azurite's includes the app's background sequencing, which calls/op leaves out); p50÷rawT = p50 ÷ raw Table write p50 at the same c;");
        sb.AppendLine("ops÷queue = ops/s ÷ Storage Queue receive→delete ops/s at the same c; eff = ops/s × calls/op ÷ raw Table write ops/s at the same c.");
        sb.AppendLine("The raw Table write floor is measured at the start and at the end; ratios use the better of the two at each c.");
        sb.AppendLine();
        sb.AppendLine("The app's storage calls per op by kind, background work included (on Azurite a query scans the whole table):");
        foreach (var row in Rows.Where(r => r.CallsPerOpByKind is { Count: > 0 }))
        {
            var kinds = string.Join(", ", row.CallsPerOpByKind!.Where(pair => pair.Value > 0).Select(pair => $"{pair.Key} {pair.Value.ToString("0.00", CultureInfo.InvariantCulture)}"));
            sb.AppendLine($"  {Pad(row.Title, -31)} c={Pad(row.Clients.ToString(CultureInfo.InvariantCulture), -3)} {kinds}");
        }
        sb.AppendLine();
        sb.AppendLine("Notes:");
        foreach (var group in Rows.GroupBy(r => r.Key))
        {
            var notes = group.SelectMany(r => r.Notes.Select(n => (r.Clients, Note: n))).ToList();
            var shared = notes.GroupBy(n => n.Note).Where(g => g.Count() == group.Count()).Select(g => g.Key).ToList();
            var specific = notes.Where(n => !shared.Contains(n.Note)).Select(n => $"c={n.Clients}: {n.Note}")
                .Concat(group.Where(r => r.Errors > 0).Select(r => $"c={r.Clients}: {r.Errors} error(s), first: {r.FirstError}"));
            var all = shared.Concat(specific).ToList();
            if (all.Count > 0)
            {
                sb.AppendLine($"  {group.First().Title}: {string.Join("; ", all)}");
            }
        }
        sb.AppendLine();
        sb.AppendLine("Targets of issue 13 (reported, not asserted; ratios to this run's baselines):");
        foreach (var t in Targets)
        {
            var mark = t.Passed switch { true => "✓", false => "✗", null => "–" };
            sb.AppendLine($"  {mark} {t.Target}: {t.Detail}");
        }
        sb.AppendLine();
        sb.AppendLine($"Total run time of the benchmark program: {elapsed.TotalSeconds:0} s. Shared, noisy 2-core machine: compare medians and ratios, not absolutes.");
        return sb.ToString();
    }

    private static string Ms(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string F(double? value, string format) => value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Pad(string text, int width) => width < 0 ? text.PadRight(-width) : text.PadLeft(width);
}
