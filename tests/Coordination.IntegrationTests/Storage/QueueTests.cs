using System.Text;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Queue lifecycle, sending and receiving, receipts, and the base64 wire format Functions queue triggers expect.</summary>
public sealed class QueueTests
{
    private static readonly TimeSpan Hidden = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Create_if_not_exists_is_idempotent_and_delete_if_exists_removes_the_queue()
    {
        var queue = TestEnvironment.Queue("q" + Guid.NewGuid().ToString("N")[..20]);
        Assert.False(await queue.ExistsAsync());

        Assert.True(await queue.CreateIfNotExistsAsync());
        Assert.False(await queue.CreateIfNotExistsAsync());
        Assert.True(await queue.ExistsAsync());

        Assert.True(await queue.DeleteIfExistsAsync());
        Assert.False(await queue.ExistsAsync());
        Assert.False(await queue.DeleteIfExistsAsync());
    }

    [Theory]
    [InlineData("plain ascii")]
    [InlineData("Grüße, 日本語, Ελληνικά")]
    [InlineData("emoji 🙂👍🏽")]
    [InlineData("xml <tag attr=\"v\"> & 'quotes' </tag> ]]> &amp;")]
    [InlineData("{\"json\":[1,2,3],\"s\":\"a\\nb\"}")]
    [InlineData("  spaces and\r\nnewlines\t ")]
    public async Task Sent_text_is_received_unchanged(string text)
    {
        await using var test = await TestQueue.CreateAsync();
        var sent = await test.Queue.SendAsync(text);

        var received = Assert.Single(await test.Queue.ReceiveAsync(1, Hidden));

        Assert.Equal(text, received.Body.ToString());
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(1, received.DequeueCount);
        Assert.InRange(sent.InsertionTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal(TimeSpan.FromDays(7), sent.ExpirationTime - sent.InsertionTime);
    }

    [Fact]
    public async Task Message_text_is_base64_of_utf8_on_the_wire_as_functions_queue_triggers_expect()
    {
        await using var test = await TestQueue.CreateAsync();
        const string text = "{\"wake\":\"ü <&> 🙂\"}";

        await test.Queue.SendAsync(text);
        var onTheWire = Assert.Single((await TestQueue.Verbatim(test.Name).ReceiveMessagesAsync()).Value);

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), onTheWire.Body.ToString());
    }

    [Theory]
    [InlineData("test")]
    [InlineData("wake")]
    public async Task Raw_text_that_happens_to_be_valid_base64_is_decoded_as_functions_queue_triggers_decode_it(string raw)
    {
        // The hand-written client handed such text over as sent; the SDK, like the Functions host, decodes it. The
        // dispatch trigger then finds no wake-up in it and drops it; text that is not base64 goes to the poison queue.
        await using var test = await TestQueue.CreateAsync();
        await TestQueue.Verbatim(test.Name).SendMessageAsync(raw);

        var received = Assert.Single(await test.Queue.ReceiveAsync(1, Hidden));

        Assert.Equal(Convert.FromBase64String(raw), received.Body.ToArray());
    }

    [Fact]
    public async Task Receive_returns_at_most_the_requested_number_of_messages()
    {
        await using var test = await TestQueue.CreateAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await test.Queue.SendAsync($"m{i}")).MessageId);
        }

        var three = await test.Queue.ReceiveAsync(3, Hidden);
        var two = await test.Queue.ReceiveAsync(2, Hidden);
        var none = await test.Queue.ReceiveAsync(32, Hidden);

        Assert.Equal((3, 2), (three.Length, two.Length));
        Assert.Empty(none);
        Assert.Equal(sent.Order(StringComparer.Ordinal), three.Concat(two).Select(m => m.MessageId).Order(StringComparer.Ordinal));
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], three.Concat(two).Select(m => m.Body.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delete_with_the_current_receipt_removes_the_message_and_a_second_delete_is_false()
    {
        await using var test = await TestQueue.CreateAsync();
        await test.Queue.SendAsync("once");
        var received = Assert.Single(await test.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));

        Assert.True(await test.Queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));

        Assert.Empty(await test.ReceiveWithinAsync(TimeSpan.FromSeconds(2)));
        Assert.False(await test.Queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));
    }

    [Fact]
    public async Task Delete_with_the_receipt_of_an_earlier_receive_is_false_and_leaves_the_message_to_its_new_holder()
    {
        await using var test = await TestQueue.CreateAsync();
        await test.Queue.SendAsync("twice");
        var first = Assert.Single(await test.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        var second = Assert.Single(await test.ReceiveWithinAsync(TimeSpan.FromSeconds(10)));

        var stale = await test.Queue.DeleteMessageAsync(first.MessageId, first.PopReceipt);
        var current = await test.Queue.DeleteMessageAsync(second.MessageId, second.PopReceipt);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.False(stale);
        Assert.True(current);
    }

    [Fact]
    public async Task Receiving_from_a_missing_queue_is_rejected_with_404_which_the_trigger_poller_waits_out()
    {
        var queue = TestEnvironment.Queue("q" + Guid.NewGuid().ToString("N")[..20]);

        var error = await Assert.ThrowsAsync<StorageRejectedException>(() => queue.ReceiveAsync(1, Hidden));

        Assert.Equal((404, "QueueNotFound"), (error.Status, error.ErrorCode));
    }

    [Theory]
    [InlineData("ab", false)]
    [InlineData("Upper", false)]
    [InlineData("double--hyphen", false)]
    [InlineData("-leading", false)]
    [InlineData("trailing-", false)]
    [InlineData("under_score", false)]
    [InlineData("abc", true)]
    [InlineData("wake-up-2", true)]
    public async Task The_queue_name_check_agrees_with_the_service(string name, bool valid)
    {
        var queue = TestEnvironment.Queue(name);

        Assert.Equal(valid, StorageQueue.IsValidQueueName(name));
        if (valid)
        {
            Assert.True(await queue.CreateIfNotExistsAsync());
            Assert.True(await queue.DeleteIfExistsAsync());
        }
        else
        {
            Assert.Equal(400, (await Assert.ThrowsAsync<StorageRejectedException>(() => queue.CreateIfNotExistsAsync())).Status);
        }
    }
}
