using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Functions.Platform.Triggers;

/// <summary>
/// What the Functions host POSTs to <c>/{FunctionName}</c> for a timer or queue trigger:
/// <c>Data</c> holds one entry per input binding, <c>Metadata</c> the trigger metadata and <c>sys</c>.
/// Unknown members are tolerated: the host may add some. Both members are optional (the defaults matter:
/// the API's options respect required constructor parameters, and a parameter without one is required).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record TriggerInvocationRequest(
    [property: JsonPropertyName("Data")] Dictionary<string, JsonElement>? Data = null,
    [property: JsonPropertyName("Metadata")] Dictionary<string, JsonElement>? Metadata = null);

/// <summary>
/// The response shape the host expects: always 2xx JSON with <c>Outputs</c>, <c>Logs</c> and
/// <c>ReturnValue</c>. We declare no output bindings, so <c>Outputs</c> stays empty.
/// </summary>
public sealed record TriggerInvocationResponse(
    [property: JsonPropertyName("Outputs")] IReadOnlyDictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? ReturnValue);

/// <summary>One invocation as a trigger handler sees it, whoever drove it (the host or the standalone scheduler).</summary>
/// <param name="FunctionName">The function being run.</param>
/// <param name="Payload">The trigger's input (the TimerInfo, or the decoded queue message), if any.</param>
/// <param name="IsPastDue">For timers: the host reports the schedule was missed.</param>
public sealed record TriggerInvocation(string FunctionName, JsonElement? Payload, bool IsPastDue);

/// <summary>A trigger handler: idempotent and bounded in work per invocation.</summary>
public interface ITriggerHandler
{
    /// <summary>Runs one invocation and returns lines for the host's log.</summary>
    Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken);
}
