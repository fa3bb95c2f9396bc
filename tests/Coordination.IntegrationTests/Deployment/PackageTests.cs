using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.Core.Configuration;
using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;

namespace Coordination.IntegrationTests.Deployment;

/// <summary>The zip infra/package makes has the layout the Functions host runs, and nothing it must not carry.</summary>
[Collection(PackageCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackageTests(PackageFixture package)
{
    [Fact]
    public void Host_json_is_at_the_root_and_its_handler_is_in_the_zip_with_the_execute_bit()
    {
        var entries = ZipEntryInfo.Read(package.ZipPath);
        Assert.Contains(entries, e => e.Name == "host.json");
        var handler = package.Handler;
        Assert.Equal("Coordination.Functions", handler);

        var entry = Assert.Single(entries, e => e.Name == handler);
        Assert.True(entry.MadeBySystem == ZipEntryInfo.Unix, $"the entry is marked as made by system {entry.MadeBySystem}, so extractors ignore its mode");
        var executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Assert.True((entry.Permissions & executable) == executable, $"{handler} has mode {Convert.ToString(entry.UnixMode, 8)} in the zip");

        // Self-contained linux-x64: an ELF executable with the runtime beside it, nothing to find on PATH.
        var extracted = Path.Combine(package.Root, handler);
        Assert.True((File.GetUnixFileMode(extracted) & UnixFileMode.UserExecute) != 0);
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(extracted)[..4]);
        Assert.True(File.Exists(Path.Combine(package.Root, "libcoreclr.so")), "the runtime is not in the package: not self-contained");
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Root, "Coordination.Functions.runtimeconfig.json")))!;
        Assert.NotNull(runtimeConfig["runtimeOptions"]!["includedFrameworks"]);
    }

    [Fact]
    public async Task Function_folders_are_schema_valid_and_exactly_the_apps_endpoints_and_triggers()
    {
        var schemas = Path.Combine(TestEnvironment.RepoRoot, "..", "shared", "schemas");
        var validation = await NodeScript.RunAsync("validate-schemas.mjs", [schemas, package.Root]);
        Assert.True(validation.ExitCode == 0, validation.StandardOutput + validation.StandardError);
        var report = JsonNode.Parse(validation.StandardOutput)!;
        Assert.Equal("valid", (string?)report["host"]);

        // The app's own endpoint and trigger table, built in-process from the same source.
        var app = CoordinationApp.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"]);
        var expected = FunctionManifest.Build(app);
        var entries = ZipEntryInfo.Read(package.ZipPath).Select(e => e.Name).ToList();
        var folders = entries.Where(n => n.Count(c => c == '/') == 1 && n.EndsWith("/function.json", StringComparison.Ordinal))
            .Select(n => n[..n.IndexOf('/')]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal).ToArray(), folders);
        Assert.Equal(folders, report["functions"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("ProvisionStorage", folders);
        Assert.Contains("DispatchSwarm", folders);
        Assert.Contains("GetHealth", folders);

        foreach (var name in folders)
        {
            var packaged = JsonNode.Parse(File.ReadAllText(Path.Combine(package.Root, name, "function.json")));
            Assert.True(JsonNode.DeepEquals(expected[name], packaged), $"{name}/function.json differs from the app's table");
        }
        // A function folder holds its function.json and nothing else.
        var strays = entries.Where(n => folders.Contains(n.Split('/')[0]) && !n.EndsWith("/function.json", StringComparison.Ordinal)).ToList();
        Assert.True(strays.Count == 0, "unexpected files in function folders: " + string.Join(", ", strays));
    }

    [Fact]
    public void The_package_holds_no_local_settings_and_no_secrets()
    {
        using var zip = ZipFile.OpenRead(package.ZipPath);
        Assert.DoesNotContain(zip.Entries, e => e.Name.Equals("local.settings.json", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(zip.Entries, e => e.Name.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase));

        // The test run's own secrets must not appear anywhere, in text or in binaries (UTF-8 or UTF-16).
        string[] testSecrets = [RunningApp.TenantKey, RunningApp.SigningKey[(RunningApp.SigningKey.IndexOf(':') + 1)..]];
        // Text files must not carry key material or the sample's placeholder secrets either.
        string[] textMarkers =
        [
            "AccountKey=", "SharedAccessSignature=", TestEnvironment.DevelopmentAccountKey,
            CoordinationSettings.TenantKeysSetting.LocalValue!, CoordinationSettings.TokenSigningKeysSetting.LocalValue!,
        ];
        var textFiles = 0;
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            foreach (var secret in testSecrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{entry.FullName} contains a test secret");
                Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) < 0, $"{entry.FullName} contains a test secret (UTF-16)");
            }
            if (bytes.AsSpan().IndexOf((byte)0) >= 0)
            {
                continue;
            }
            textFiles++;
            var text = Encoding.UTF8.GetString(bytes);
            foreach (var marker in textMarkers)
            {
                Assert.False(text.Contains(marker, StringComparison.OrdinalIgnoreCase), $"{entry.FullName} contains '{marker}'");
            }
        }
        Assert.True(textFiles >= 10, $"only {textFiles} text files were scanned");
    }
}
