using Coordination.Core.Configuration;
using Coordination.Core.Problems;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests;

/// <summary>The docs list every setting (docs/operations.md) and the README every problem code the code defines.</summary>
public sealed class DocumentationTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "README.md"));
    private static readonly string Operations = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "docs", "operations.md"));

    [Fact]
    public void Operations_doc_documents_every_setting()
    {
        var missing = CoordinationSettings.All.Select(s => s.Key).Where(k => !Operations.Contains($"`{k}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/operations.md lacks settings: " + string.Join(", ", missing));
    }

    [Fact]
    public void Readme_lists_every_problem_code_with_its_status()
    {
        var missing = ProblemCatalog.All.Where(p => !Readme.Contains($"| `{p.Code}` | {p.Status} |", StringComparison.Ordinal)).Select(p => p.Code).ToList();
        Assert.True(missing.Count == 0, "README lacks problem codes: " + string.Join(", ", missing));
    }

    [Fact]
    public void Ci_runs_exactly_the_readme_test_command()
    {
        var ci = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, ".ci", "run"));
        Assert.Contains("exec ./infra/test", ci);
        Assert.Contains("| run every test | `./infra/test` |", Readme);
    }
}
