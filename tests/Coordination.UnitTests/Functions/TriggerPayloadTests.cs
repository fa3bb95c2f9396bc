using System.Text.Encodings.Web;
using System.Text.Json;
using Coordination.Functions.Platform.Triggers;
using Coordination.Functions.Http;

namespace Coordination.UnitTests.Functions;

/// <summary>Invocation payloads as the Functions host POSTs them (notes §1.5), bound with the API's JSON options.</summary>
public sealed class TriggerPayloadTests
{
    private static readonly TriggerDefinition Timer = new("SweepLeases", TriggerKind.Timer, "0 */1 * * * *", null, typeof(object));
    private static readonly TriggerDefinition Queue = new("DeliverWebhook", TriggerKind.Queue, null, "webhook-deliveries", typeof(object));

    // The notes' timer payload, with the binding named as our function.json names it ("timer", not the notes' "sweep").
    private static readonly JsonSerializerOptions RelaxedEscaping = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string TimerPayload = """
        {"Data":{"timer":{"Schedule":{"AdjustForDST":true},
          "ScheduleStatus":{"Last":"2024-11-30T14:40:00+00:00","Next":"2024-11-30T14:45:00+00:00",
          "LastUpdated":"2024-11-30T14:40:00.4+00:00"},"IsPastDue":false}},
         "Metadata":{"sys":{"MethodName":"SweepLeases","UtcNow":"2024-11-30T14:40:00.46Z","RandGuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}}}
        """;

    [Fact]
    public void Binding_names_are_the_ones_function_json_declares()
    {
        Assert.Equal("timer", Timer.BindingName);
        Assert.Equal("message", Queue.BindingName);
    }

    [Fact]
    public void The_documented_timer_payload_is_an_on_time_invocation_carrying_the_TimerInfo()
    {
        var invocation = TriggerEndpoints.ToInvocation(Timer, Bind(TimerPayload));

        Assert.Equal("SweepLeases", invocation.FunctionName);
        Assert.False(invocation.IsPastDue);
        var payload = Assert.IsType<JsonElement>(invocation.Payload);
        Assert.Equal("2024-11-30T14:45:00+00:00", payload.GetProperty("ScheduleStatus").GetProperty("Next").GetString());
    }

    [Fact]
    public void A_past_due_timer_is_reported_as_such()
    {
        var invocation = TriggerEndpoints.ToInvocation(Timer, Bind(TimerPayload.Replace("\"IsPastDue\":false", "\"IsPastDue\":true", StringComparison.Ordinal)));

        Assert.True(invocation.IsPastDue);
    }

    [Fact]
    public void A_timer_without_schedule_status_still_binds()
    {
        var invocation = TriggerEndpoints.ToInvocation(Timer, Bind("""{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}"""));

        Assert.False(invocation.IsPastDue);
        Assert.Equal(JsonValueKind.Null, invocation.Payload!.Value.GetProperty("ScheduleStatus").ValueKind);
    }

    [Fact]
    public void Extra_members_the_host_adds_are_tolerated()
    {
        var request = Bind("""{"Data":{"timer":{"IsPastDue":true}},"Metadata":{"RetryContext":{"MaxRetryCount":3}},"Extra":1}""");

        Assert.True(TriggerEndpoints.ToInvocation(Timer, request).IsPastDue);
    }

    [Theory]
    [InlineData("""{"Data":{"timer":{"IsPastDue":true}}}""", true)]
    [InlineData("""{"Metadata":{"sys":{}}}""", false)]
    [InlineData("{}", false)]
    public void Data_and_Metadata_are_each_optional_when_binding(string json, bool pastDue)
    {
        Assert.Equal(pastDue, TriggerEndpoints.ToInvocation(Timer, Bind(json)).IsPastDue);
    }

    [Fact]
    public void A_missing_binding_gives_no_payload_and_is_not_past_due()
    {
        var invocation = TriggerEndpoints.ToInvocation(Timer, Bind("""{"Data":{"sweep":{"IsPastDue":true}},"Metadata":{}}"""));

        Assert.Null(invocation.Payload);
        Assert.False(invocation.IsPastDue);
        Assert.Null(TriggerEndpoints.ToInvocation(Timer, new TriggerInvocationRequest(null, null)).Payload);
    }

    [Fact]
    public void A_queue_message_that_arrives_as_a_json_object_is_kept()
    {
        var invocation = TriggerEndpoints.ToInvocation(Queue, Bind(QueuePayload("""{"task":"t1","attempt":2}""")));

        Assert.Equal("t1", invocation.Payload!.Value.GetProperty("task").GetString());
        Assert.Equal(2, invocation.Payload.Value.GetProperty("attempt").GetInt32());
        Assert.False(invocation.IsPastDue);
    }

    [Fact]
    public void A_queue_message_that_arrives_as_a_string_holding_json_is_unwrapped()
    {
        var invocation = TriggerEndpoints.ToInvocation(Queue, Bind(QueuePayload(Quote("""{"task":"t1"}"""))));

        Assert.Equal("t1", invocation.Payload!.Value.GetProperty("task").GetString());
    }

    [Fact]
    public void A_doubly_escaped_queue_message_is_unwrapped_twice()
    {
        var invocation = TriggerEndpoints.ToInvocation(Queue, Bind(QueuePayload(Quote(Quote("""{"task":"t1"}""")))));

        Assert.Equal("t1", invocation.Payload!.Value.GetProperty("task").GetString());
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("{not json")]
    [InlineData("")]
    public void A_queue_message_that_is_plain_text_stays_a_string(string text)
    {
        var invocation = TriggerEndpoints.ToInvocation(Queue, Bind(QueuePayload(Quote(text))));

        Assert.Equal(JsonValueKind.String, invocation.Payload!.Value.ValueKind);
        Assert.Equal(text, invocation.Payload.Value.GetString());
    }

    [Fact]
    public void Unwrapping_stops_at_a_plain_string_inside_quotes()
    {
        var unwrapped = TriggerEndpoints.UnwrapQueuePayload(Element(Quote(Quote("hello"))));

        Assert.Equal("hello", unwrapped.GetString());
    }

    [Fact]
    public void Unwrapping_is_bounded_for_absurdly_nested_strings()
    {
        var nested = """{"task":"t1"}""";
        for (var i = 0; i < 10; i++)
        {
            nested = Quote(nested);
        }

        var unwrapped = TriggerEndpoints.UnwrapQueuePayload(Element(nested));

        // Still a string (the bound held) and still one that decodes further: nothing was lost or mangled.
        Assert.Equal(JsonValueKind.String, unwrapped.ValueKind);
        Assert.Equal(JsonValueKind.String, Element(unwrapped.GetString()!).ValueKind);
    }

    [Fact]
    public void Unwrapping_covers_the_depths_the_host_produces()
    {
        var nested = """{"task":"t1"}""";
        for (var depth = 0; depth <= 3; depth++)
        {
            Assert.Equal(JsonValueKind.Object, TriggerEndpoints.UnwrapQueuePayload(Element(nested)).ValueKind);
            nested = Quote(nested);
        }
    }

    [Fact]
    public void The_unwrapped_payload_outlives_the_documents_it_came_from()
    {
        var unwrapped = TriggerEndpoints.UnwrapQueuePayload(Element(Quote("""{"task":"t1"}""")));
        GC.Collect();

        Assert.Equal("""{"task":"t1"}""", unwrapped.GetRawText());
    }

    private static TriggerInvocationRequest Bind(string json) =>
        JsonSerializer.Deserialize<TriggerInvocationRequest>(json, JsonDefaults.Options)!;

    private static string QueuePayload(string messageJson) =>
        """{"Data":{"message":""" + messageJson +
        """},"Metadata":{"DequeueCount":1,"Id":"m1","PopReceipt":"AgAAAA==","sys":{"MethodName":"DeliverWebhook"}}}""";

    // Escapes like the host's Newtonsoft serializer (\" rather than \u0022), so nesting grows linearly, not sixfold.
    private static string Quote(string text) => JsonSerializer.Serialize(text, RelaxedEscaping);

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
