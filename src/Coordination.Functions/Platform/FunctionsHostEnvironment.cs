using System.Globalization;

namespace Coordination.Functions.Platform;

/// <summary>
/// Whether an Azure Functions host started this process. The host passes the port to listen on in
/// <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> and then drives timers and queues by POSTing invocations;
/// without it the app runs standalone and drives its own triggers.
/// </summary>
public sealed record FunctionsHostEnvironment(int? CustomHandlerPort)
{
    /// <summary>The host's variable naming the port to listen on.</summary>
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>True when a Functions host started us.</summary>
    public bool IsFunctionsHost => CustomHandlerPort is not null;

    /// <summary>Reads the variable from configuration (environment variables included).</summary>
    public static FunctionsHostEnvironment From(IConfiguration configuration)
    {
        var text = configuration[PortVariable];
        if (string.IsNullOrWhiteSpace(text))
        {
            return new FunctionsHostEnvironment((int?)null);
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? new FunctionsHostEnvironment(port)
            : throw new InvalidOperationException($"{PortVariable} must be a TCP port number; got '{text}'.");
    }
}
