using System.Text;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Queues;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Queue lifecycle, sending and receiving, receipts and the base64 wire format Functions triggers expect.</summary>
public sealed class QueueClientTests
{
    [Fact]
    public async Task Create_if_not_exists_twice_succeeds_both_times_and_delete_removes_the_queue()
    {
        var queue = new QueueClient(TestEnvironment.Storage, "q" + Guid.NewGuid().ToString("N")[..20]);
        Assert.False(await queue.ExistsAsync());

        var first = await queue.CreateIfNotExistsAsync();
        var second = await queue.CreateIfNotExistsAsync();

        Assert.Equal(StorageOutcome.Succeeded, first.Outcome);
        Assert.Equal(StorageOutcome.Succeeded, second.Outcome);
        Assert.True(await queue.ExistsAsync());
        Assert.Equal(StorageOutcome.Succeeded, (await queue.DeleteAsync()).Outcome);
        Assert.False(await queue.ExistsAsync());
        Assert.Equal(StorageOutcome.NotFound, (await queue.DeleteAsync()).Outcome);
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
        await using var queue = await QueueTestQueue.CreateAsync();
        var sent = await queue.Client.SendMessageAsync(text);

        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync());

        Assert.Equal(text, received.Text);
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(1, received.DequeueCount);
        Assert.NotEqual(sent.PopReceipt, received.PopReceipt);
        Assert.InRange(sent.InsertedOn, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal(TimeSpan.FromDays(7), sent.ExpiresOn - sent.InsertedOn);
    }

    [Fact]
    public async Task Text_without_base64_encoding_is_received_unchanged_including_xml_special_characters()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var raw = queue.WithOptions(new StorageClientOptions { MessageEncoding = QueueMessageEncoding.None });
        const string text = "<a href=\"x\">&amp; it's</a> ü 🙂";

        await raw.SendMessageAsync(text);
        var received = Assert.Single(await raw.ReceiveMessagesAsync());

        Assert.Equal(text, received.Text);
    }

    [Fact]
    public async Task Message_text_is_base64_of_utf8_on_the_wire_as_functions_queue_triggers_expect()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var raw = queue.WithOptions(new StorageClientOptions { MessageEncoding = QueueMessageEncoding.None });
        const string text = "{\"wake\":\"ü <&> 🙂\"}";

        await queue.Client.SendMessageAsync(text);
        var onTheWire = Assert.Single(await raw.ReceiveMessagesAsync());

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), onTheWire.Text);
        Assert.Equal(text, Encoding.UTF8.GetString(Convert.FromBase64String(onTheWire.Text)));
    }

    [Fact]
    public async Task A_message_that_is_not_base64_is_handed_over_as_sent()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var raw = queue.WithOptions(new StorageClientOptions { MessageEncoding = QueueMessageEncoding.None });

        await raw.SendMessageAsync("not base64!");
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync());

        Assert.Equal("not base64!", received.Text);
    }

    [Theory]
    [InlineData("test")]
    [InlineData("wake")]
    [InlineData("abcd1234")]
    public async Task A_plain_message_that_only_looks_like_base64_is_handed_over_as_sent(string text)
    {
        // These decode as base64, but not to UTF-8: decoding them would hand over replacement characters.
        await using var queue = await QueueTestQueue.CreateAsync();
        var raw = queue.WithOptions(new StorageClientOptions { MessageEncoding = QueueMessageEncoding.None });

        await raw.SendMessageAsync(text);
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync());

        Assert.Equal(text, received.Text);
    }

    [Fact]
    public async Task Receive_returns_at_most_the_requested_number_of_messages()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await queue.Client.SendMessageAsync($"m{i}")).MessageId);
        }

        var three = await queue.Client.ReceiveMessagesAsync(3);
        var two = await queue.Client.ReceiveMessagesAsync(2);
        var none = await queue.Client.ReceiveMessagesAsync(32);

        Assert.Equal(3, three.Count);
        Assert.Equal(2, two.Count);
        Assert.Empty(none);
        Assert.Equal(sent.Order(StringComparer.Ordinal), three.Concat(two).Select(m => m.MessageId).Order(StringComparer.Ordinal));
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], three.Concat(two).Select(m => m.Text).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public async Task Receive_count_outside_one_to_thirty_two_is_refused(int count)
    {
        var queue = new QueueClient(TestEnvironment.Storage, "never-created");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ReceiveMessagesAsync(count));
    }

    [Fact]
    public async Task Delete_with_the_current_receipt_removes_the_message()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("once");
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(1)));

        var delete = await queue.Client.DeleteMessageAsync(received.MessageId, received.PopReceipt);

        Assert.Equal(StorageOutcome.Succeeded, delete.Outcome);
        Assert.Empty(await queue.ReceiveWithinAsync(TimeSpan.FromSeconds(2)));
        var again = await queue.Client.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.Equal(StorageOutcome.NotFound, again.Outcome);
        Assert.Equal("MessageNotFound", again.ErrorCode);
    }

    [Fact]
    public async Task Update_visibility_returns_a_new_receipt_and_the_old_one_no_longer_works()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("lease");
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(30)));

        var renewed = await queue.Client.UpdateMessageVisibilityAsync(received.MessageId, received.PopReceipt, TimeSpan.FromSeconds(60));

        Assert.NotNull(renewed);
        Assert.NotEqual(received.PopReceipt, renewed.PopReceipt);
        Assert.True(renewed.NextVisibleOn > received.NextVisibleOn);
        Assert.Null(await queue.Client.UpdateMessageVisibilityAsync(received.MessageId, received.PopReceipt, TimeSpan.FromSeconds(5)));
        var staleDelete = await queue.Client.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.Equal(StorageOutcome.NotFound, staleDelete.Outcome);
        Assert.Equal("PopReceiptMismatch", staleDelete.ErrorCode);
        Assert.Empty(await queue.Client.ReceiveMessagesAsync());
        Assert.True((await queue.Client.DeleteMessageAsync(received.MessageId, renewed.PopReceipt)).Succeeded);
    }

    [Fact]
    public async Task Update_visibility_to_zero_releases_the_message_at_once()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("release");
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync(visibilityTimeout: TimeSpan.FromSeconds(60)));

        var released = await queue.Client.UpdateMessageVisibilityAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero);

        Assert.NotNull(released);
        var again = Assert.Single(await queue.Client.ReceiveMessagesAsync());
        Assert.Equal(received.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task Receipts_of_a_message_that_is_gone_are_not_found()
    {
        await using var queue = await QueueTestQueue.CreateAsync();
        await queue.Client.SendMessageAsync("gone");
        var received = Assert.Single(await queue.Client.ReceiveMessagesAsync());
        Assert.True((await queue.Client.DeleteMessageAsync(received.MessageId, received.PopReceipt)).Succeeded);

        Assert.Null(await queue.Client.UpdateMessageVisibilityAsync(received.MessageId, received.PopReceipt, TimeSpan.FromSeconds(5)));
        Assert.Equal(StorageOutcome.NotFound, (await queue.Client.DeleteMessageAsync(received.MessageId, received.PopReceipt)).Outcome);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("double--hyphen")]
    [InlineData("-leading")]
    [InlineData("under_score")]
    public void Invalid_queue_names_are_refused_by_the_constructor(string name)
    {
        Assert.Throws<ArgumentException>(() => new QueueClient(TestEnvironment.Storage, name));
    }
}
