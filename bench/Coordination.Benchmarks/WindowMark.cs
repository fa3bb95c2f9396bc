namespace Coordination.Benchmarks;

/// <summary>
/// For profiling a window from outside (perf, dotnet-trace): with <c>BENCH_WINDOW_MARK</c> set to a path, each measured
/// window writes the scenario's start time there as it begins, so a script can start a profiler on that signal.
/// </summary>
public static class WindowMark
{
    private static readonly string? Path = Environment.GetEnvironmentVariable("BENCH_WINDOW_MARK");

    public static void Started()
    {
        if (Path is not null)
        {
            File.WriteAllText(Path, DateTimeOffset.UtcNow.ToString("O"));
        }
    }
}
