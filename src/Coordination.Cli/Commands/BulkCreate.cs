using System.CommandLine;
using System.Text.Json;
using Coordination.Cli.Infrastructure;
using Coordination.Client;
using Coordination.Core.Common;
using Coordination.Core.Tasks;
using Spectre.Console;

namespace Coordination.Cli.Commands;

/// <summary>
/// <c>coordctl work bulk</c>: tasks from a JSON array or JSON lines (a file or stdin), sent in chunks of 100 — the API's
/// limit per bulk call, each chunk all-or-none under its own idempotency key. Everything is read and checked before
/// the first chunk is sent, so a bad line creates nothing.
/// </summary>
internal static class BulkCreate
{
    public const int ChunkSize = 100;

    public static Command Build()
    {
        var file = new Option<string?>("--file") { Description = "Read the tasks from this file (default: stdin; - is stdin too)." };
        return Verb.Create("bulk", "Creates many tasks from a JSON array or JSON lines, 100 per call; a progress bar shows on a terminal.", async (cli, ct) =>
        {
            var tasks = Read(cli.Get(file));
            using var client = cli.SwarmClient();
            var created = cli.Output.Json || !Output.IsInteractive
                ? await SendAsync(client, tasks, cli.Output, _ => { }, ct)
                : await WithProgressAsync(client, tasks, cli.Output, ct);
            if (!cli.Output.Json)
            {
                cli.Output.Line($"created {created} tasks in {(tasks.Count + ChunkSize - 1) / ChunkSize} calls");
            }
            return ExitCodes.Ok;
        }, file);
    }

    /// <summary>Sends the chunks in order; with <c>--json</c> each chunk's answer is one line, written as it arrives.</summary>
    private static async Task<int> SendAsync(CoordinationClient client, IReadOnlyList<CreateTaskRequest> tasks, Output output, Action<int> progress, CancellationToken ct)
    {
        var created = 0;
        foreach (var chunk in tasks.Chunk(ChunkSize))
        {
            var answer = await client.Tasks.CreateBulkAsync(chunk, ct: ct);
            if (output.Json)
            {
                output.Document(answer);
            }
            created += answer.Tasks.Count;
            progress(created);
        }
        return created;
    }

    private static async Task<int> WithProgressAsync(CoordinationClient client, IReadOnlyList<CreateTaskRequest> tasks, Output output, CancellationToken ct) =>
        await output.Console.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var bar = progress.AddTask("creating tasks", maxValue: tasks.Count);
            return await SendAsync(client, tasks, output, created => bar.Value = created, ct);
        });

    /// <summary>Reads every task: a JSON array when the text starts with '[', else one JSON object per non-empty line.</summary>
    public static IReadOnlyList<CreateTaskRequest> Read(string? file)
    {
        var text = file is null or "-" ? Console.In.ReadToEnd() : JsonInput.ReadText("@" + file, "--file");
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0)
        {
            throw CliFailure.Usage("no tasks: give a JSON array or JSON lines on stdin or with --file");
        }
        if (trimmed.StartsWith('['))
        {
            try
            {
                var items = JsonSerializer.Deserialize<List<CreateTaskRequest>>(trimmed, WireJson.Options) ?? [];
                return items.Select((t, i) => Check(t, $"item {i}")).ToList();
            }
            catch (JsonException ex)
            {
                throw CliFailure.Usage($"the tasks are not a valid JSON array of tasks ({ex.Message})");
            }
        }
        var tasks = new List<CreateTaskRequest>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                tasks.Add(Check(JsonSerializer.Deserialize<CreateTaskRequest>(line, WireJson.Options), $"line {lineNumber}"));
            }
            catch (JsonException ex)
            {
                throw CliFailure.Usage($"line {lineNumber} is not a JSON task ({ex.Message})");
            }
        }
        return tasks;
    }

    /// <summary>The fields the API cannot do without, checked here so a bad item fails before any chunk is sent.</summary>
    private static CreateTaskRequest Check(CreateTaskRequest? task, string where) =>
        task is { Type: { Length: > 0 }, Title: { Length: > 0 } }
            ? task
            : throw CliFailure.Usage($"{where} needs \"type\" and \"title\"");
}
