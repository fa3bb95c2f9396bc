using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.Benchmarks;

/// <summary>
/// Starts the real app (the built dll, standalone, on a free loopback port) for one scenario run, on a table and wake
/// queue of its own, and stops it and drops them afterwards. Why a fresh table per run: Azurite answers every table
/// query by evaluating the filter over every row of the table (its Loki store's queryTableEntities is a chain().where()
/// over the whole collection), so a query's cost grows with everything earlier runs left in the same table; one table
/// per run keeps each run's numbers independent of the order. Azurite itself stays the same process all run long.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private static int _instances;
    private readonly Process _process;
    private readonly string _connectionString;
    private readonly string? _pidFile;
    private readonly StreamWriter _log;

    private AppHost(Process process, StreamWriter log, Uri baseAddress, string table, string queue, string connectionString, string? pidFile)
    {
        _process = process;
        _log = log;
        BaseAddress = baseAddress;
        TableName = table;
        QueueName = queue;
        _connectionString = connectionString;
        _pidFile = pidFile;
    }

    public Uri BaseAddress { get; }
    public string TableName { get; }
    public string QueueName { get; }
    public int ProcessId => _process.Id;

    /// <summary>What the app needs from the run: the dll, the storage, the run's secrets, where to log.</summary>
    public sealed record Settings(string AppDll, string StorageConnectionString, string TenantKey, string SigningKeys, string LogFile, string? PidFile);

    public static async Task<AppHost> StartAsync(Settings settings)
    {
        var number = Interlocked.Increment(ref _instances);
        var suffix = $"{number:D2}{Guid.NewGuid():N}"[..10];
        var table = $"bench{suffix}";
        var queue = $"bench-wake-{suffix}";
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(settings.AppDll)!,
        };
        start.ArgumentList.Add(settings.AppDll);
        var env = start.Environment;
        env["AzureWebJobsStorage"] = settings.StorageConnectionString;
        env["Coordination__StandaloneUrl"] = $"http://127.0.0.1:{port}";
        env["Coordination__TableName"] = table;
        env["Coordination__WakeQueueName"] = queue;
        env["Coordination__ReportStorageCalls"] = "true";
        env["Coordination__Tenants__bench__Keys"] = settings.TenantKey;
        env["Coordination__Tenants__bench__MaxSwarms"] = "1000";
        env["Coordination__TokenSigningKeys"] = settings.SigningKeys;
        env["Logging__LogLevel__Default"] = "Warning";
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["DOTNET_NOLOGO"] = "1";
        // Each run starts a fresh process: without tiering its JIT work happens in the warm-up, instead of hot methods
        // being recompiled in the background during the measured window (at a few ops/s they reach the tier-up count
        // only seconds in). BENCH_APP_TIERED_COMPILATION=1 keeps the runtime's default.
        env["DOTNET_TieredCompilation"] = Environment.GetEnvironmentVariable("BENCH_APP_TIERED_COMPILATION") == "1" ? "1" : "0";
        env.Remove("ASPNETCORE_URLS");
        env.Remove("FUNCTIONS_CUSTOMHANDLER_PORT");
        foreach (var name in env.Keys.Where(k => k.StartsWith("BENCH_", StringComparison.Ordinal)).ToList())
        {
            env.Remove(name);   // the run's settings and secrets stay with the driver
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the app.");
        if (settings.PidFile is not null)
        {
            await File.WriteAllTextAsync(settings.PidFile, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var log = new StreamWriter(settings.LogFile, append: true) { AutoFlush = true };
        await log.WriteLineAsync($"--- app {number} (pid {process.Id}, table {table}, port {port}) ---");
        _ = Pump(process.StandardOutput, log);
        _ = Pump(process.StandardError, log);

        var host = new AppHost(process, log, new Uri($"http://127.0.0.1:{port}/"), table, queue, settings.StorageConnectionString, settings.PidFile);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The app exited during start-up (code {process.ExitCode}); see {settings.LogFile}.");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri(host.BaseAddress, "api/health"));
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        await host.DisposeAsync();
        throw new TimeoutException($"The app did not report healthy within 60 s; see {settings.LogFile}.");
    }

    /// <summary>Stops the app (it keeps nothing worth a graceful stop) and drops its table and wake queue.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Killed; the OS reaps it.
            }
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }
        try
        {
            await BenchStorage.Table(_connectionString, TableName).DeleteIfExistsAsync();
            await BenchStorage.Queue(_connectionString, QueueName).DeleteIfExistsAsync();
            await BenchStorage.Queue(_connectionString, QueueName + "-poison").DeleteIfExistsAsync();
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException)
        {
            Console.Error.WriteLine($"Could not drop {TableName}/{QueueName}: {e.Message}");
        }
    }

    private static async Task Pump(StreamReader from, StreamWriter to)
    {
        try
        {
            while (await from.ReadLineAsync() is { } line)
            {
                lock (to)
                {
                    to.WriteLine(line);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The app was stopped and its log closed.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
