using System.Text.RegularExpressions;

namespace Coordination.UnitTests;

/// <summary>
/// The layout rules of the code base, read from the source itself so a change that breaks one fails here: row properties
/// are named only by the row mappers, files stay small, features never import the composition root, the Core folders do
/// not import each other in a loop, and triggers live in their feature's folder.
/// </summary>
public sealed partial class SourceLayoutTests
{
    /// <summary>"No source file is over ~300 lines."</summary>
    private const int MaxFileLines = 300;

    private static readonly string Src = Path.Combine(RepoRoot(), "src");

    [Fact]
    public void Row_properties_are_named_only_by_the_row_mappers()
    {
        var offenders = SourceFiles()
            .Where(f => !IsMapper(f))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => PropertyByName().IsMatch(l.Text))
            .Select(l => $"{Relative(l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "Row properties read or written by name outside a *Rows.cs mapper:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void No_source_file_is_longer_than_about_three_hundred_lines()
    {
        var long_ = SourceFiles().Select(f => (File: Relative(f), Lines: File.ReadLines(f).Count())).Where(f => f.Lines > MaxFileLines).ToList();

        Assert.True(long_.Count == 0, "Files over " + MaxFileLines + " lines: " + string.Join(", ", long_.Select(f => $"{f.File} ({f.Lines})")));
    }

    [Fact]
    public void No_feature_imports_the_composition_root()
    {
        var features = Path.Combine(Src, "Coordination.Functions", "Features");
        var importing = SourceFiles().Where(f => f.StartsWith(features, StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(l => l.StartsWith("using Coordination.Functions.Hosting", StringComparison.Ordinal)))
            .Select(Relative).ToList();

        Assert.Empty(importing);
    }

    [Fact]
    public void The_core_folders_do_not_import_each_other_in_a_loop()
    {
        var graph = CoreImports();

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, "Import loop: " + string.Join(" -> ", cycle ?? []));
        Assert.Contains("Tasks", graph.Keys);   // the graph was read at all
    }

    [Fact]
    public void Every_trigger_lives_in_its_features_folder()
    {
        var triggers = SourceFiles().Where(f => File.ReadAllText(f).Contains(": ITriggerHandler", StringComparison.Ordinal)).Select(Relative).ToList();

        Assert.NotEmpty(triggers);
        Assert.All(triggers, t => Assert.StartsWith(Path.Combine("Coordination.Functions", "Features") + Path.DirectorySeparatorChar, t, StringComparison.Ordinal));
    }

    private static Dictionary<string, HashSet<string>> CoreImports()
    {
        var core = Path.Combine(Src, "Coordination.Core");
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles().Where(f => f.StartsWith(core + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            if (CoreNamespace().Match(text) is not { Success: true } own)
            {
                continue;
            }
            var from = own.Groups[1].Value;
            var edges = graph.TryGetValue(from, out var known) ? known : graph[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match import in CoreUsing().Matches(text))
            {
                if (import.Groups[1].Value != from)
                {
                    edges.Add(import.Groups[1].Value);
                }
            }
        }
        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            if (path.Contains(node))
            {
                return [.. path.SkipWhile(n => n != node), node];
            }
            if (!done.Add(node))
            {
                return null;
            }
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return graph.Keys.Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static bool IsMapper(string file) =>
        Path.GetFileName(file) is var name && (name.EndsWith("Rows.cs", StringComparison.Ordinal) || name is "StoredRow.cs" or "StoredJson.cs");

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(Src, file);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CoordinationFunctions.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root from " + AppContext.BaseDirectory);
    }

    // A typed getter called with a property name, or an entity indexer set with one.
    [GeneratedRegex("""\.(GetString|GetInt32|GetInt64|GetBoolean|GetDateTimeOffset|GetDateTime|GetDouble|GetBinary|GetGuid|Required[A-Za-z]+)\("[A-Z]|\["[A-Z][A-Za-z0-9_]*"\]\s*=[^=>]""")]
    private static partial Regex PropertyByName();

    [GeneratedRegex(@"^namespace Coordination\.Core\.([A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex CoreNamespace();

    [GeneratedRegex(@"^using Coordination\.Core\.([A-Za-z]+)", RegexOptions.Multiline)]
    private static partial Regex CoreUsing();
}
