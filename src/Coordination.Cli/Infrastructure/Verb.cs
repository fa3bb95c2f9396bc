using System.CommandLine;
using Coordination.Client;

namespace Coordination.Cli.Infrastructure;

/// <summary>
/// Builds verbs whose action runs with a <see cref="CliContext"/> and turns every failure into its exit code and a
/// message: API problems by class, the CLI's own failures, and connection failures (6).
/// </summary>
internal static class Verb
{
    public static Command Create(string name, string description, Func<CliContext, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option: command.Options.Add(option); break;
                case Argument argument: command.Arguments.Add(argument); break;
                case Command subcommand: command.Subcommands.Add(subcommand); break;
            }
        }
        command.SetAction((parse, ct) => RunAsync(parse, action, ct));
        return command;
    }

    /// <summary>A group of verbs (<c>work</c>, <c>lock</c>, …): it only holds subcommands.</summary>
    public static Command Group(string name, string description, params Command[] verbs)
    {
        var group = new Command(name, description);
        foreach (var verb in verbs)
        {
            group.Subcommands.Add(verb);
        }
        return group;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<CliContext, CancellationToken, Task<int>> action, CancellationToken ct)
    {
        CliContext? context = null;
        try
        {
            context = new CliContext(parse);
            return await action(context, ct);
        }
        catch (CoordinationProblemException problem)
        {
            Out(context, parse).Problem(problem);
            return ExitCodes.Of(problem);
        }
        catch (CliFailure failure)
        {
            Out(context, parse).Failure(failure.Code, failure.Message);
            return failure.ExitCode;
        }
        catch (HttpRequestException unreachable)
        {
            Out(context, parse).Failure("unavailable", unreachable.Message);
            return ExitCodes.Unavailable;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Output.Note("interrupted");
            return ExitCodes.Interrupted;
        }
    }

    private static Output Out(CliContext? context, ParseResult parse) => context?.Output ?? new Output(parse.GetValue(GlobalOptions.Json));
}
