using System.Text.Json;

namespace Coordination.Functions.Platform.Triggers;

/// <summary>
/// The routes the Functions host POSTs trigger invocations to: <c>/{FunctionName}</c>, outside <c>/api</c>
/// so no outside path can reach them (the host's route prefix keeps public paths under /api). Mapped only
/// when a Functions host started us; standalone, the scheduler calls the same handlers in-process.
/// </summary>
public static class TriggerEndpoints
{
    /// <summary>Maps one POST route per registered trigger.</summary>
    public static WebApplication MapTriggerInvocations(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<FunctionsHostEnvironment>().IsFunctionsHost)
        {
            return app;
        }
        foreach (var trigger in app.Services.GetRequiredService<TriggerRegistry>().Triggers)
        {
            app.MapPost("/" + trigger.Name, (TriggerInvocationRequest request, TriggerRunner runner, CancellationToken ct) =>
                    InvokeAsync(trigger, request, runner, ct))
                .ExcludeFromDescription()
                .WithMetadata(trigger);
        }
        return app;
    }

    private static async Task<IResult> InvokeAsync(TriggerDefinition trigger, TriggerInvocationRequest request, TriggerRunner runner, CancellationToken cancellationToken)
    {
        var invocation = ToInvocation(trigger, request);
        var logs = await runner.RunAsync(trigger, invocation, cancellationToken);
        return Results.Json(new TriggerInvocationResponse(new Dictionary<string, object?>(), logs, null), statusCode: 200);
    }

    internal static TriggerInvocation ToInvocation(TriggerDefinition trigger, TriggerInvocationRequest request)
    {
        JsonElement? payload = request.Data is not null && request.Data.TryGetValue(trigger.BindingName, out var value) ? value : null;
        if (trigger.Kind == TriggerKind.Queue && payload is { } raw)
        {
            payload = UnwrapQueuePayload(raw);
        }
        var pastDue = trigger.Kind == TriggerKind.Timer && payload is { ValueKind: JsonValueKind.Object } timer &&
                      timer.TryGetProperty("IsPastDue", out var due) && due.ValueKind == JsonValueKind.True;
        return new TriggerInvocation(trigger.Name, payload, pastDue);
    }

    /// <summary>A queue message's text as JSON (unwrapped), or null when it is not JSON.</summary>
    internal static JsonElement? ParseQueueText(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return UnwrapQueuePayload(document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The host serializes string trigger values once more, so a JSON message can arrive as a JSON string
    /// holding (possibly escaped) JSON: while the value is a string whose content parses as JSON, unwrap it.
    /// </summary>
    internal static JsonElement UnwrapQueuePayload(JsonElement value)
    {
        for (var depth = 0; depth < 4 && value.ValueKind == JsonValueKind.String; depth++)
        {
            var text = value.GetString()!;
            try
            {
                using var inner = JsonDocument.Parse(text);
                value = inner.RootElement.Clone();
            }
            catch (JsonException)
            {
                break;
            }
        }
        return value;
    }
}
