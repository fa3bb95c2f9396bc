using System.CommandLine;
using System.Runtime.InteropServices;
using Coordination.Cli.Commands;
using Coordination.Cli.Infrastructure;

namespace Coordination.Cli;

/// <summary>The command tree and its invocation: parse errors exit 2, Ctrl-C and SIGTERM cancel the running verb.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "coordctl: the command line of CoordinationFunctions (swarms, work queues, locks, state, messages, presence, events).\n" +
            "Configuration: --url/--token/--swarm, else COORD_URL/COORD_TOKEN/COORD_SWARM, else the profile 'swarm join' saves " +
            "($COORD_PROFILE or ~/.config/coordctl/profile.json).\n" + ExitCodes.HelpText);
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }
        foreach (var command in new[] { SwarmCommands.Build(), WorkCommands.Build(), LockCommands.Build(), StateCommands.Build(),
            MessageCommands.Build(), AgentCommands.Build(), EventCommands.Build(), McpCommand.Build() })
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            var output = new Output(parse.GetValue(GlobalOptions.Json));
            foreach (var error in parse.Errors)
            {
                output.Failure("usage", error.Message);
            }
            Output.Note("run 'coordctl --help' (or '<verb> --help') for usage");
            return ExitCodes.Usage;
        }
        using var stop = new CancellationTokenSource();
        // Cancel the verb instead of killing the process, so a tail ends cleanly (exit 0) and a call in flight is abandoned tidily.
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var onTerminate = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
