using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Deployment;

/// <summary>
/// Runs infra/package once for the whole collection (a self-contained publish takes 15-60 s) into a temporary
/// folder, and extracts the zip as the platform would. The collection runs alone, after the parallel ones, so the
/// publish's CPU use cannot slow timing-sensitive tests.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    /// <summary>Bound on the package script: generous for a first run that restores the linux-x64 runtime packs.</summary>
    private static readonly TimeSpan PackageTimeout = TimeSpan.FromMinutes(10);

    private readonly string _workDirectory;

    public PackageFixture()
    {
        _workDirectory = Directory.CreateTempSubdirectory("coordination-package-").FullName;
        var output = Run(Path.Combine(TestEnvironment.RepoRoot, "infra", "package"), [Path.Combine(_workDirectory, "out")]);
        ZipPath = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Root = Path.Combine(_workDirectory, "extracted");
        // On Linux the .NET extractor applies each entry's Unix mode, as the platform's does.
        ZipFile.ExtractToDirectory(ZipPath, Root);
    }

    /// <summary>The zip infra/package printed.</summary>
    public string ZipPath { get; }

    /// <summary>The zip extracted: the app root the Functions host would run (/home/site/wwwroot).</summary>
    public string Root { get; }

    /// <summary>host.json's customHandler.description.defaultExecutablePath, relative to <see cref="Root"/>.</summary>
    public string Handler =>
        (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "host.json")))!["customHandler"]!["description"]!["defaultExecutablePath"]!;

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private static string Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepoRoot };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(PackageTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {PackageTimeout}. stderr: {stderr}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited {process.ExitCode}. stderr: {stderr}");
        }
        return stdout.ToString();
    }
}

/// <summary>Tests that use the package: one publish for all of them, run alone after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Deployment package";
}
