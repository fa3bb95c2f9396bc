using System.Diagnostics;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests;

/// <summary>The example the run command prints works exactly as printed.</summary>
public sealed class FirstContactTests
{
    [Fact]
    public async Task The_printed_example_creates_joins_broadcasts_and_reads_events()
    {
        await using var app = await RunningApp.StartAsync();
        var baseUrl = new Uri(app.BaseAddress, "api").ToString();
        var example = await RunAsync("bash", [Path.Combine(TestEnvironment.RepoRoot, "infra", "first-contact.sh"), baseUrl, RunningApp.TenantKey], stdin: null);
        Assert.Contains("curl", example);

        var output = await RunAsync("bash", [], stdin: "set -euo pipefail\n" + example);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var accepted = JsonNode.Parse(lines[^2])!;
        Assert.Equal("phase_complete", (string?)accepted["type"]);
        Assert.Equal("worker-1", (string?)accepted["actor"]);
        var events = JsonNode.Parse(lines[^1])!["items"]!.AsArray();
        Assert.Equal(["swarm.created", "agent.joined", "agent.joined", "phase_complete"], events.Select(e => (string)e!["type"]!).ToArray());
    }

    private static async Task<string> RunAsync(string file, string[] args, string? stdin)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
