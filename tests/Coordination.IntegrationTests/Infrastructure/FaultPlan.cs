namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>What the proxy does with one request.</summary>
public enum FaultAction
{
    /// <summary>Forward to the upstream and relay its response.</summary>
    Forward,

    /// <summary>Answer 503 Server Busy itself; the request never reaches the upstream.</summary>
    ServerBusy,

    /// <summary>Close the connection after reading the request; the request never reaches the upstream.</summary>
    DropBeforeForwarding,

    /// <summary>Forward, read the upstream's whole response, then close without relaying it: applied, but the client sees a dropped connection.</summary>
    DropAfterForwarding,
}

/// <summary>One request as the proxy saw it.</summary>
/// <param name="Method">The HTTP method, e.g. PATCH (a merge, as Azure.Data.Tables sends it).</param>
/// <param name="Target">The request target (path and query) as sent.</param>
public sealed record ProxiedRequest(string Method, string Target);

/// <summary>One request that passed through, what the proxy did, and what the upstream answered (null when it was not forwarded).</summary>
public sealed record ProxiedExchange(int Sequence, string Method, string Target, FaultAction Action, int? UpstreamStatus);
