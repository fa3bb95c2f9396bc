namespace Coordination.Benchmarks;

/// <summary>How a row is compared with the baselines.</summary>
public enum RowKind
{
    /// <summary>A throughput scenario that writes: storage efficiency applies.</summary>
    Write,

    /// <summary>A latency scenario (paced on purpose): its ops/s says little.</summary>
    Latency,

    /// <summary>A baseline measured in the same run.</summary>
    Baseline,
}

/// <summary>One row of the table: a scenario (or baseline) at one concurrency.</summary>
public sealed class RowResult
{
    public required string Key { get; init; }
    public required string Title { get; init; }
    public required RowKind Kind { get; init; }
    public required int Clients { get; init; }
    public int Ops { get; init; }
    public double Seconds { get; init; }
    public double OpsPerSec { get; init; }
    public double? P50 { get; init; }
    public double? P95 { get; init; }
    public double? P99 { get; init; }
    public double? MaxMs { get; init; }
    public double? CallsPerOp { get; init; }
    public double? ConflictsPerOp { get; init; }
    public int Errors { get; init; }

    /// <summary>CPU ms per operation in the measured window: the app process, Azurite, and this load generator.</summary>
    public double? AppCpuMsPerOp { get; init; }
    public double? AzuriteCpuMsPerOp { get; init; }
    public double? ClientCpuMsPerOp { get; init; }

    /// <summary>Share of one core used in the window: the app, Azurite.</summary>
    public double? AppCpuCores { get; init; }
    public double? AzuriteCpuCores { get; init; }
    public string? FirstError { get; init; }

    /// <summary>The app's storage calls per operation by kind, background work (sequencing, sweeps) included.</summary>
    public Dictionary<string, double>? CallsPerOpByKind { get; init; }
    public bool Skipped { get; init; }
    public List<string> Notes { get; init; } = [];

    // Ratios to the baselines of the same run, filled in by the report.
    public double? P50OverRawTable { get; set; }
    public double? OpsOverQueue { get; set; }
    public double? StorageEfficiency { get; set; }

    public static RowResult From(string key, string title, RowKind kind, int clients, Measurement m, bool reportsConflicts = true)
    {
        var latencies = m.Samples.Select(s => s.LatencyMs).Where(double.IsFinite).Order().ToList();
        var ops = m.Samples.Count;
        return new RowResult
        {
            Key = key,
            Title = title,
            Kind = kind,
            Clients = clients,
            Ops = ops,
            Seconds = Math.Round(m.Seconds, 3),
            OpsPerSec = m.Seconds > 0 ? ops / m.Seconds : 0,
            P50 = Percentile(latencies, 50),
            P95 = Percentile(latencies, 95),
            P99 = Percentile(latencies, 99),
            MaxMs = latencies.Count > 0 ? latencies[^1] : null,
            CallsPerOp = ops > 0 ? m.Samples.Average(s => (double)s.Calls) : null,
            ConflictsPerOp = ops > 0 && reportsConflicts ? m.Samples.Average(s => (double)s.Conflicts) : null,
            Errors = m.Errors,
            FirstError = m.FirstError,
            AppCpuMsPerOp = ops > 0 ? m.AppCpuMs / ops : null,
            AzuriteCpuMsPerOp = ops > 0 ? m.AzuriteCpuMs / ops : null,
            ClientCpuMsPerOp = ops > 0 ? m.ClientCpuMs / ops : null,
            AppCpuCores = m.Seconds > 0 ? m.AppCpuMs / (m.Seconds * 1000) : null,
            AzuriteCpuCores = m.Seconds > 0 ? m.AzuriteCpuMs / (m.Seconds * 1000) : null,
            CallsPerOpByKind = ops > 0 ? m.CallsByKind?.ToDictionary(pair => pair.Key, pair => Math.Round((double)pair.Value / ops, 2)) : null,
        };
    }

    public static RowResult Skip(string key, string title, RowKind kind, int clients, string why) =>
        new() { Key = key, Title = title, Kind = kind, Clients = clients, Skipped = true, Notes = [why] };

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}

/// <summary>A target of issue 13, evaluated (never asserted) against this run's baselines.</summary>
public sealed record TargetResult(string Target, bool? Passed, string Detail);
