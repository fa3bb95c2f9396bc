using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>What one coordctl process did.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Stdout">Everything it wrote to stdout.</param>
/// <param name="Stderr">Everything it wrote to stderr.</param>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout's non-empty lines.</summary>
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A description for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the built coordctl (<c>dotnet coordctl.dll</c>) as a process, piped (so stdout is not a terminal), with a
/// clean environment: no COORD_* variables but the ones a test gives, and HOME and COORD_PROFILE in the test's own
/// temporary directory. Every run has a timeout; a process that outlives it is killed and the test fails.
/// </summary>
public sealed class Coordctl : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public Coordctl()
    {
        Home = Directory.CreateTempSubdirectory("coordctl-test-").FullName;
        ProfilePath = Path.Combine(Home, "profiles", "default", "profile.json");
    }

    /// <summary>The temporary HOME.</summary>
    public string Home { get; }

    /// <summary>The COORD_PROFILE every run gets unless it sets its own.</summary>
    public string ProfilePath { get; }

    /// <summary>The built tool, from the same configuration as the tests (the test project builds it first).</summary>
    public static string ToolPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(TestEnvironment.RepoRoot, "src", "Coordination.Cli", "bin", configuration, "net10.0", "coordctl.dll");
            Assert.True(File.Exists(path), $"coordctl is not built at {path}");
            return path;
        }
    }

    /// <summary>A file's or directory's permission bits (the profile tests are about POSIX modes).</summary>
    public static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes are POSIX") : File.GetUnixFileMode(path);

    /// <summary>A loopback port nothing listens on (bound once by us, then closed).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Runs coordctl to its end (at most <paramref name="timeout"/>, default 60 s).</summary>
    public async Task<CliResult> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdin = null, TimeSpan? timeout = null)
    {
        using var running = Start(args, env, stdin);
        return await running.WaitAsync(timeout ?? DefaultTimeout);
    }

    /// <summary>Starts coordctl; read its lines as they come with <see cref="RunningCli.NextLineAsync"/>.</summary>
    public RunningCli Start(IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdin = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in new[] { "COORD_URL", "COORD_TOKEN", "COORD_SWARM", "COORD_PROFILE" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["HOME"] = Home;
        start.Environment["COORD_PROFILE"] = ProfilePath;
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new RunningCli(Process.Start(start)!, stdin);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}

/// <summary>A coordctl process being read line by line.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;

    internal RunningCli(Process process, string? stdin)
    {
        _process = process;
        _reading = Task.WhenAll(ReadAsync(process.StandardOutput, _stdout, _lines.Writer), ReadAsync(process.StandardError, _stderr, null));
        _ = WriteInputAsync(stdin);
    }

    /// <summary>The process id (to signal it).</summary>
    public int Id => _process.Id;

    /// <summary>The next stdout line, or a failure when none comes within <paramref name="timeout"/>.</summary>
    public async Task<string> NextLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"no line from coordctl within {timeout}; stderr so far: {_stderr}");
        }
    }

    /// <summary>Waits for the exit; past <paramref name="timeout"/> the process is killed and the test fails.</summary>
    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _reading;
            throw new Xunit.Sdk.XunitException($"coordctl ran longer than {timeout}\n--- stdout\n{_stdout}\n--- stderr\n{_stderr}");
        }
        await _reading;
        return new CliResult(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private async Task WriteInputAsync(string? stdin)
    {
        try
        {
            if (stdin is not null)
            {
                await _process.StandardInput.WriteAsync(stdin);
            }
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process ended without reading its input: its exit code tells the test why.
        }
    }

    private static async Task ReadAsync(StreamReader reader, StringBuilder into, ChannelWriter<string>? lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.Append(line).Append('\n');
            }
            lines?.TryWrite(line);
        }
        lines?.TryComplete();
    }
}
