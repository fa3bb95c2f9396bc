// The benchmark program (issue 8; targets of issue 13). Started by ./infra/bench, which provides Azurite (one process for the whole
// run) and these settings through the environment (secrets never on a command line). For each scenario and
// concurrency it starts the real app (the built dll, standalone, loopback, on a fresh table) and stops it after.
//   BENCH_APP_DLL           the built app (Release)
//   BENCH_TENANT_KEY        a tenant key for the app (ck_…), made for the run
//   BENCH_SIGNING_KEYS      agent-token signing keys for the app, made for the run
//   BENCH_STORAGE           the Azurite connection string
//   BENCH_AZURITE_PID       optional: Azurite's process id, for CPU per operation (with BENCH_CLK_TCK)
//   BENCH_REPO_ROOT         the repository (for bench/queue-baseline.mjs and its node_modules)
//   BENCH_OUT               where to write the JSON results (default .artifacts/bench/results.json)
//   BENCH_APP_LOG           where the app instances log (default next to the JSON)
//   BENCH_APP_PID_FILE      optional: the running app's process id is kept here (the script's clean-up reads it)
//   BENCH_WARMUP_SECONDS    warm-up per run, not counted (default 1)
//   BENCH_MEASURE_SECONDS   measured window per run (default 4)
//   BENCH_CLIENTS           concurrencies (default 1,8,32)
//   BENCH_ONLY              only these scenario keys (comma-separated; baselines always run)
//   BENCH_BUDGET_SECONDS    wall-clock budget of this program; runs that would not fit are skipped (default 480)
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coordination.Benchmarks;
using Coordination.Storage;

var total = Stopwatch.StartNew();
string Setting(string name, string? fallback = null) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback ?? throw new InvalidOperationException($"{name} is not set (run ./infra/bench).");
double Seconds(string name, double fallback) => double.Parse(Setting(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

var storage = Setting("BENCH_STORAGE");
var repoRoot = Setting("BENCH_REPO_ROOT");
var output = Setting("BENCH_OUT", Path.Combine(repoRoot, ".artifacts", "bench", "results.json"));
var tenantKey = Setting("BENCH_TENANT_KEY");
var appSettings = new AppHost.Settings(Setting("BENCH_APP_DLL"), storage, tenantKey, Setting("BENCH_SIGNING_KEYS"),
    Setting("BENCH_APP_LOG", Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "app.log")), Environment.GetEnvironmentVariable("BENCH_APP_PID_FILE"));
var warmup = TimeSpan.FromSeconds(Seconds("BENCH_WARMUP_SECONDS", 1));
var measure = TimeSpan.FromSeconds(Seconds("BENCH_MEASURE_SECONDS", 4));
var budget = TimeSpan.FromSeconds(Seconds("BENCH_BUDGET_SECONDS", 480));
var clientCounts = Setting("BENCH_CLIENTS", "1,8,32").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
var only = Environment.GetEnvironmentVariable("BENCH_ONLY")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var scenarios = Scenarios.All.Where(s => only is null || only.Contains(s.Key)).ToList();

ThreadPool.SetMinThreads(64, 64);
ProcessCpu.Current = ProcessCpu.For(appPid: null);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
var rows = new List<RowResult>();

void Progress(RowResult row)
{
    rows.Add(row);
    var text = row.Skipped
        ? $"skipped ({row.Notes.FirstOrDefault()})"
        : $"{row.OpsPerSec,8:0.0} ops/s  p50 {row.P50,7:0.0} ms  p99 {row.P99,7:0.0} ms  calls/op {row.CallsPerOp,6:0.00}  errors {row.Errors}";
    Console.Error.WriteLine($"[{total.Elapsed.TotalSeconds,5:0}s] {row.Title,-31} c={row.Clients,-3} {text}");
}

// Time kept back for what must run last: the end-of-run raw Table check and the queue baseline.
var perRun = warmup + measure;
var reserve = clientCounts.Count * (perRun + TimeSpan.FromSeconds(2)) + clientCounts.Count * (perRun + TimeSpan.FromSeconds(6)) + perRun + TimeSpan.FromSeconds(6);
var perScenarioRun = perRun + TimeSpan.FromSeconds(10);   // app start, set-up, settling, app stop
TimeSpan TimeLeft() => budget - total.Elapsed;
bool Fits(TimeSpan estimate) => total.Elapsed + estimate + reserve <= budget;

// 1. The floor for one storage call (and, for reading, one two-row transaction), before anything else loads Azurite.
foreach (var c in clientCounts)
{
    Progress(await Baselines.RawTableWriteAsync(storage, c, warmup, measure));
}
foreach (var c in clientCounts)
{
    Progress(await Baselines.RawTransactionAsync(storage, c, warmup, measure));
}
// The table-as-queue a user could write with the official SDK: what claim → complete has to beat (issue 13).
foreach (var c in clientCounts)
{
    Progress(await NaiveTableQueue.RunAsync(storage, c, warmup, measure));
}

// 2. The API scenarios: for each scenario and concurrency a fresh app on a fresh table, and a fresh swarm.
foreach (var scenario in scenarios)
{
    foreach (var c in clientCounts)
    {
        if (!Fits(perScenarioRun))
        {
            Progress(RowResult.Skip(scenario.Key, scenario.Title, scenario.Kind, c, "out of the time budget"));
            continue;
        }
        AppHost? host = null;
        try
        {
            host = await AppHost.StartAsync(appSettings);
            ProcessCpu.Current = ProcessCpu.For(host.ProcessId);
            using var app = new AppClient(host.BaseAddress, tenantKey);
            var row = await scenario.RunAsync(new ScenarioContext(app, warmup, measure), c);
            row.Notes.AddRange(app.SettleNotes);
            Progress(row);
        }
        catch (Exception e)
        {
            Progress(RowResult.Skip(scenario.Key, scenario.Title, scenario.Kind, c, $"failed: {e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            ProcessCpu.Current = ProcessCpu.For(appPid: null);
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }
}

// 3. The raw Table floor again: drift over the run, and a second chance for a floor measured on a noisy machine.
foreach (var c in clientCounts)
{
    var again = await Baselines.RawTableWriteAsync(storage, c, warmup, measure, Baselines.RawTableTitle + " (end)");
    Progress(new RowResult
    {
        Key = Baselines.RawTableKey + "-end", Title = again.Title, Kind = RowKind.Baseline, Clients = c, Ops = again.Ops, Seconds = again.Seconds,
        OpsPerSec = again.OpsPerSec, P50 = again.P50, P95 = again.P95, P99 = again.P99, MaxMs = again.MaxMs, CallsPerOp = again.CallsPerOp, Errors = again.Errors,
        AppCpuMsPerOp = again.AppCpuMsPerOp, AzuriteCpuMsPerOp = again.AzuriteCpuMsPerOp, ClientCpuMsPerOp = again.ClientCpuMsPerOp,
        AppCpuCores = again.AppCpuCores, AzuriteCpuCores = again.AzuriteCpuCores,
        FirstError = again.FirstError, Notes = ["the same floor re-measured after the scenarios (drift; ratios use the better of the two)"],
    });
}

// 4. The plain Storage Queue pattern, last: its deletions feed Azurite's queue garbage collection, which can stall it.
foreach (var c in clientCounts)
{
    Progress(TimeLeft() < perRun + TimeSpan.FromSeconds(5)
        ? RowResult.Skip(Baselines.QueueKey, Baselines.QueueTitle, RowKind.Baseline, c, "out of the time budget")
        : await Baselines.StorageQueueAsync(repoRoot, storage, c, warmup, measure, TimeLeft));
}

// Baselines first in the table, then the scenarios in their order.
var order = new[] { Baselines.RawTableKey, Baselines.RawTransactionKey, Baselines.QueueKey }.Concat(Scenarios.All.Select(s => s.Key)).Append(Baselines.RawTableKey + "-end").ToList();
var ordered = rows.OrderBy(r => order.IndexOf(r.Key)).ThenBy(r => r.Clients).ToList();
var report = new Report(ordered, clientCounts);
report.ComputeRatios();
report.EvaluateTargets();
var header = $"CoordinationFunctions benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, warm-up {warmup.TotalSeconds:0.#} s + {measure.TotalSeconds:0.#} s per run, " +
    "one Azurite (in memory), a fresh app process and table per run, loopback HTTP";
Console.WriteLine(report.Render(total.Elapsed, header));

var json = new
{
    generatedAt = DateTimeOffset.UtcNow,
    machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString() },
    settings = new { warmupSeconds = warmup.TotalSeconds, measureSeconds = measure.TotalSeconds, clients = clientCounts, queueBatch = Baselines.QueueBatch },
    programSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
    rows = ordered,
    targets = report.Targets,
};
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)
{
    WriteIndented = true,
    Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
}));
Console.Error.WriteLine($"Results written to {output}");
return 0;
