using System.Globalization;

namespace Coordination.Benchmarks;

/// <summary>
/// CPU time of the app and Azurite processes from /proc (Linux), so each window can say how much CPU one operation
/// cost in the app and in Azurite. Azurite's share includes the app's background storage work (sequencing), which
/// X-Storage-Calls leaves out; comparing it with a raw write's shows what an operation really costs the store.
/// Unavailable (null) where /proc or the process ids are missing.
/// </summary>
public sealed class ProcessCpu(int? appPid, int? azuritePid, double ticksPerSecond)
{
    /// <summary>Azurite (from BENCH_AZURITE_PID) and, when running, the app.</summary>
    public static ProcessCpu For(int? appPid)
    {
        var azurite = int.TryParse(Environment.GetEnvironmentVariable("BENCH_AZURITE_PID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : (int?)null;
        var ticks = double.TryParse(Environment.GetEnvironmentVariable("BENCH_CLK_TCK"), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : 100;
        return new ProcessCpu(appPid, azurite, ticks);
    }

    /// <summary>The one instance the load runner samples (set by the program).</summary>
    public static ProcessCpu Current { get; set; } = new(null, null, 100);

    public readonly record struct Snapshot(double? AppMs, double? AzuriteMs, double ClientMs);

    public Snapshot Take() => new(CpuMs(appPid), CpuMs(azuritePid), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);

    private double? CpuMs(int? pid)
    {
        if (pid is null)
        {
            return null;
        }
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
            var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000 / ticksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
