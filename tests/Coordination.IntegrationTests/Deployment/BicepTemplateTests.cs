using System.Text.RegularExpressions;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Deployment;

/// <summary>
/// Static checks of the Azure templates (the Bicep CLI is not available here, so nothing compiles them): docs/operations.md
/// lists every resource type and API version, parameters are supplied, no keys, role GUIDs match the notes, and the
/// azd layout points at real paths.
/// </summary>
public sealed partial class BicepTemplateTests
{
    private static readonly string Bicep = Path.Combine(TestEnvironment.RepoRoot, "bicep");

    private static readonly string AllTemplates = string.Join("\n",
        Directory.GetFiles(Bicep, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllText));

    [Fact]
    public void Operations_doc_lists_every_resource_type_and_api_version_the_templates_use()
    {
        var readme = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "docs", "operations.md"));
        var used = ResourceType().Matches(AllTemplates).Select(m => m.Groups["type"].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Contains("Microsoft.Web/sites@2024-04-01", used);
        var missing = used.Where(t => !readme.Contains($"`{t}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md's deploy section lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_parameters_file_supplies_every_parameter_without_a_default()
    {
        var main = File.ReadAllText(Path.Combine(Bicep, "main.bicep"));
        var required = RequiredParameter().Matches(main).Select(m => m.Groups["name"].Value).ToList();
        Assert.Contains("tenantKeys", required);
        var parameters = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep, "main.parameters.json")))!["parameters"]!.AsObject();
        var unsupplied = required.Where(name => !parameters.ContainsKey(name)).ToList();
        Assert.True(unsupplied.Count == 0, "main.parameters.json does not supply: " + string.Join(", ", unsupplied));
        var declared = DeclaredParameter().Matches(main).Select(m => m.Groups["name"].Value).ToHashSet();
        var unknown = parameters.Select(p => p.Key).Where(name => !declared.Contains(name)).ToList();
        Assert.True(unknown.Count == 0, "main.parameters.json names parameters main.bicep lacks: " + string.Join(", ", unknown));
    }

    [Fact]
    public void No_template_reads_or_sets_an_account_key()
    {
        Assert.DoesNotContain("listKeys(", AllTemplates, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", AllTemplates, StringComparison.Ordinal);
        Assert.DoesNotContain("listConnectionString", AllTemplates, StringComparison.Ordinal);
        Assert.Contains("allowSharedKeyAccess: false", AllTemplates, StringComparison.Ordinal);
        Assert.Contains("DisableLocalAuth: true", AllTemplates, StringComparison.Ordinal);
        Assert.Contains("disableLocalAuth: true", AllTemplates, StringComparison.Ordinal);
    }

    [Fact]
    public void Role_definition_ids_are_the_ones_in_the_platform_notes()
    {
        var notes = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "..", "shared", "docs", "azure-platform-notes.md"));
        var roles = File.ReadAllText(Path.Combine(Bicep, "modules", "roles.bicep"));
        foreach (var role in new[] { "Storage Blob Data Owner", "Storage Queue Data Contributor", "Storage Table Data Contributor", "Web PubSub Service Owner", "Monitoring Metrics Publisher" })
        {
            var row = Regex.Match(notes, $@"^\| {Regex.Escape(role)} \| `(?<guid>[0-9a-f-]{{36}})` \|", RegexOptions.Multiline);
            Assert.True(row.Success, $"the notes have no row for {role}");
            Assert.Contains($"'{row.Groups["guid"].Value}'", roles, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_azd_layout_points_at_the_templates_and_the_project_the_app_is_tagged_for()
    {
        var azure = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "azure.yaml"));
        Assert.Matches(@"(?m)^  path: bicep$", azure);
        Assert.Matches(@"(?m)^  module: main$", azure);
        Assert.True(File.Exists(Path.Combine(Bicep, "main.bicep")));
        var service = Regex.Match(azure, @"(?m)^services:\n  (?<name>[a-z]+):\n(?<body>(?:    .*\n|\s*#.*\n)+)");
        Assert.True(service.Success, "azure.yaml has no service");
        Assert.Matches(@"(?m)^    language: dotnet$", service.Groups["body"].Value);
        Assert.Matches(@"(?m)^    host: function$", service.Groups["body"].Value);
        var project = Regex.Match(service.Groups["body"].Value, @"(?m)^    project: (?<path>\S+)$").Groups["path"].Value;
        Assert.True(File.Exists(Path.Combine(TestEnvironment.RepoRoot, project, "Coordination.Functions.csproj")), $"no project at {project}");
        // azd finds the app by its azd-service-name tag.
        Assert.Contains($"azdServiceName: '{service.Groups["name"].Value}'", File.ReadAllText(Path.Combine(Bicep, "main.bicep")), StringComparison.Ordinal);
        Assert.Contains("'azd-service-name': azdServiceName", File.ReadAllText(Path.Combine(Bicep, "modules", "functionapp.bicep")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"resource \w+ '(?<type>[A-Za-z.]+/[A-Za-z/]+@[0-9-]+(?:-preview)?)'")]
    private static partial Regex ResourceType();

    [GeneratedRegex(@"^param (?<name>\w+) \w+$", RegexOptions.Multiline)]
    private static partial Regex RequiredParameter();

    [GeneratedRegex(@"^param (?<name>\w+) ", RegexOptions.Multiline)]
    private static partial Regex DeclaredParameter();
}
