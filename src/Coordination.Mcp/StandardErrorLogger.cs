using Microsoft.Extensions.Logging;

namespace Coordination.Mcp;

/// <summary>
/// Writes warnings and errors to stderr. Over stdio, stdout carries the protocol: one stray line there breaks the client,
/// so nothing else may ever write to it.
/// </summary>
internal sealed class StandardErrorLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new StandardErrorLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class StandardErrorLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"coordctl mcp: {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " (" + exception.GetType().Name + ")")}");
            }
        }
    }
}
