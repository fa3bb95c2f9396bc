using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Client;
using Coordination.Core.Common;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Coordination.Cli.Infrastructure;

/// <summary>
/// Where results go: with <c>--json</c> the API's documents, compact, one per line; otherwise Spectre tables for people.
/// Notes and problems go to stderr, so stdout stays parseable.
/// </summary>
internal sealed class Output(bool json)
{
    private static readonly Lazy<IAnsiConsole> Console_ = new(() =>
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) });
        if (System.Console.IsOutputRedirected)
        {
            // Piped or captured: no terminal width to fit, so do not squeeze columns into the default 80.
            console.Profile.Width = 240;
        }
        return console;
    });

    public bool Json { get; } = json;

    /// <summary>True when stdout is a terminal a person watches (progress bars, colours).</summary>
    public static bool IsInteractive => !System.Console.IsOutputRedirected;

    public IAnsiConsole Console => Console_.Value;

    /// <summary>Writes one API document as a compact line (with <c>--json</c>).</summary>
    public void Document<T>(T value) => System.Console.Out.WriteLine(JsonSerializer.Serialize(value, WireJson.Options));

    /// <summary>The API's document with <c>--json</c>, else <paramref name="human"/>.</summary>
    public void Show<T>(T value, Action human)
    {
        if (Json)
        {
            Document(value);
        }
        else
        {
            human();
        }
    }

    /// <summary>A one-item view: field names and values; fields without a value are left out (--json shows everything).</summary>
    public void Record(params (string Field, object? Value)[] fields)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (field, value) in fields)
        {
            var text = Format(value);
            if (text.Length > 0)
            {
                grid.AddRow(new Text(field, new Style(decoration: Decoration.Bold)), new Text(text));
            }
        }
        Console.Write(grid);
    }

    /// <summary>A list as a table (an empty one prints a note instead).</summary>
    public void Table(string[] headers, IEnumerable<object?[]> rows, string empty = "(none)")
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }
        var count = 0;
        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(Format(cell))).ToArray());
            count++;
        }
        if (count == 0)
        {
            Note(empty);
            return;
        }
        Console.Write(table);
    }

    /// <summary>A line of plain text on stdout (human mode only).</summary>
    public void Line(string text) => System.Console.Out.WriteLine(text);

    /// <summary>A remark for people on stderr (never mixes into stdout's data).</summary>
    public static void Note(string text) => System.Console.Error.WriteLine(text);

    /// <summary>Reports an API problem: <c>code: detail</c> on stderr, and with <c>--json</c> the problem document on stdout.</summary>
    public void Problem(CoordinationProblemException problem)
    {
        System.Console.Error.WriteLine($"{problem.Code}: {problem.Detail ?? problem.Title ?? problem.Message}");
        if (Json)
        {
            var document = new JsonObject
            {
                ["title"] = problem.Title,
                ["status"] = (int)problem.Status,
                ["detail"] = problem.Detail,
                ["code"] = problem.Code,
            };
            foreach (var (name, value) in problem.Extensions)
            {
                document[name] = JsonNode.Parse(value.GetRawText());
            }
            System.Console.Out.WriteLine(document.ToJsonString());
        }
    }

    /// <summary>Reports a failure without a problem document from the API (usage, connection): the same two shapes.</summary>
    public void Failure(string code, string detail)
    {
        System.Console.Error.WriteLine($"{code}: {detail}");
        if (Json)
        {
            System.Console.Out.WriteLine(new JsonObject { ["code"] = code, ["detail"] = detail }.ToJsonString());
        }
    }

    /// <summary>How a value shows in a table cell: times in UTC to the second, JSON compact, lists comma-separated.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        string text => text,
        DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString() ?? "" : element.GetRawText(),
        bool flag => flag ? "yes" : "no",
        Enum e => JsonSerializer.Serialize(e, e.GetType(), WireJson.Options).Trim('"'),
        IEnumerable<string> items => string.Join(", ", items),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
