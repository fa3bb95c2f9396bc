namespace Coordination.Cli.Infrastructure;

/// <summary>
/// A failure the CLI itself detects (bad input, missing configuration, a lock that was not acquired): printed as
/// <c>code: detail</c> and ended with <see cref="ExitCode"/>, like an API problem.
/// </summary>
internal sealed class CliFailure(int exitCode, string code, string detail) : Exception(detail)
{
    public int ExitCode { get; } = exitCode;

    public string Code { get; } = code;

    public static CliFailure Usage(string detail) => new(ExitCodes.Usage, "usage", detail);
}
