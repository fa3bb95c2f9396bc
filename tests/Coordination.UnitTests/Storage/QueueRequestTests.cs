using Azure.Core;
using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.UnitTests.Support;

namespace Coordination.UnitTests.Storage;

public sealed class QueueRequestTests
{
    private const string Messages = "http://127.0.0.1:10001/devstoreaccount1/jobs/messages";

    private readonly QueueClient _client = new(OfflineStorage.Connection, "jobs", OfflineStorage.Options());

    [Fact]
    public void Send_posts_base64_utf8_text_inside_QueueMessage_xml()
    {
        using var message = _client.CreateSendMessageRequest("""{"task":"t1","note":"é"}""", null, null);
        var request = message.Request;

        Assert.Equal(RequestMethod.Post, request.Method);
        Assert.Equal(Messages, request.Uri.ToString());
        Assert.Equal("2019-02-02", request.Header("x-ms-version"));
        Assert.Equal("application/xml", request.Header("Content-Type"));
        var expectedText = Convert.ToBase64String("""{"task":"t1","note":"é"}"""u8.ToArray());
        Assert.Equal($"<QueueMessage><MessageText>{expectedText}</MessageText></QueueMessage>", request.BodyText());
    }

    [Fact]
    public void Send_states_visibility_delay_and_time_to_live_in_seconds()
    {
        using var message = _client.CreateSendMessageRequest("x", TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));

        Assert.Equal($"{Messages}?visibilitytimeout=10&messagettl=3600", message.Request.Uri.ToString());
    }

    [Fact]
    public void Send_with_an_infinite_time_to_live_asks_for_minus_one()
    {
        using var message = _client.CreateSendMessageRequest("x", null, Timeout.InfiniteTimeSpan);

        Assert.Equal($"{Messages}?messagettl=-1", message.Request.Uri.ToString());
    }

    [Fact]
    public void Send_rounds_fractional_seconds_up_so_a_delay_is_never_shortened()
    {
        using var message = _client.CreateSendMessageRequest("x", TimeSpan.FromMilliseconds(1500), null);

        Assert.Equal($"{Messages}?visibilitytimeout=2", message.Request.Uri.ToString());
    }

    [Fact]
    public void Send_without_base64_escapes_the_text_as_xml()
    {
        var plain = new QueueClient(OfflineStorage.Connection, "jobs", OfflineStorage.Options(QueueMessageEncoding.None));

        using var message = plain.CreateSendMessageRequest("<a & 'b'>", null, null);

        Assert.Equal("<QueueMessage><MessageText>&lt;a &amp; &apos;b&apos;&gt;</MessageText></QueueMessage>", message.Request.BodyText());
    }

    [Fact]
    public void Send_refuses_null_text()
    {
        Assert.Throws<ArgumentNullException>(() => _client.CreateSendMessageRequest(null!, null, null));
    }

    [Fact]
    public void Receive_asks_for_a_number_of_messages_and_a_visibility_timeout()
    {
        using var message = _client.CreateReceiveMessagesRequest(5, TimeSpan.FromSeconds(30));

        Assert.Equal(RequestMethod.Get, message.Request.Method);
        Assert.Equal($"{Messages}?numofmessages=5&visibilitytimeout=30", message.Request.Uri.ToString());
        Assert.Null(message.Request.Content);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    public void Receive_accepts_1_to_32_messages(int count)
    {
        using var message = _client.CreateReceiveMessagesRequest(count, null);

        Assert.Equal($"{Messages}?numofmessages={count}", message.Request.Uri.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    [InlineData(-1)]
    public void Receive_refuses_a_count_outside_1_to_32(int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _client.CreateReceiveMessagesRequest(count, null));

        Assert.Equal("maxMessages", error.ParamName);
    }

    [Theory]
    [InlineData("jobs", true)]
    [InlineData("coordination-wake", true)]
    [InlineData("a1b", true)]
    [InlineData("ab", false)]
    [InlineData("Jobs", false)]
    [InlineData("-jobs", false)]
    [InlineData("jobs-", false)]
    [InlineData("jo--bs", false)]
    [InlineData("jo_bs", false)]
    public void Queue_names_follow_the_service_rule(string name, bool valid)
    {
        Assert.Equal(valid, QueueClient.IsValidQueueName(name));
    }

    [Fact]
    public void A_client_for_an_invalid_queue_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new QueueClient(OfflineStorage.Connection, "Bad_Name", OfflineStorage.Options()));
    }
}
