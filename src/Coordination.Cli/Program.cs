using Coordination.Client;
using Coordination.Mcp;

// A minimal coordctl until the real command line lands: only `coordctl mcp`, configured from the environment.
if (args is not ["mcp", ..])
{
    Console.Error.WriteLine("usage: coordctl mcp   (env: COORD_URL, COORD_TOKEN, COORD_SWARM; optional COORD_AGENT)");
    return 2;
}
var url = Environment.GetEnvironmentVariable("COORD_URL");
if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress))
{
    Console.Error.WriteLine("coordctl mcp: set COORD_URL to the service's root address, e.g. http://127.0.0.1:7071");
    return 2;
}
var options = new CoordinationClientOptions
{
    BaseAddress = baseAddress,
    Token = NullIfEmpty(Environment.GetEnvironmentVariable("COORD_TOKEN")),
    SwarmId = NullIfEmpty(Environment.GetEnvironmentVariable("COORD_SWARM")),
};
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
await McpStdioServer.RunAsync(options, NullIfEmpty(Environment.GetEnvironmentVariable("COORD_AGENT")), stop.Token);
return 0;

static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
