using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Coordination.Storage.Queues;

/// <summary>
/// One queue through the official <see cref="QueueClient"/> (message text base64-encoded by the client's options, as
/// Functions queue triggers expect), with failures translated like every other storage failure and a vanished message
/// or stale receipt kept as a value.
/// </summary>
public sealed class StorageQueue(QueueClient client)
{
    /// <summary>The SDK client underneath.</summary>
    public QueueClient Client { get; } = client ?? throw new ArgumentNullException(nameof(client));

    /// <summary>The queue name.</summary>
    public string Name => Client.Name;

    /// <summary>True for names the service accepts: 3–63 lower-case letters, digits and single inner hyphens.</summary>
    public static bool IsValidQueueName(string? name) =>
        name is { Length: >= 3 and <= 63 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') &&
        char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>Creates the queue unless it exists; true when this call created it.</summary>
    public Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) => StorageFailures.GuardAsync(async () =>
        await Client.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { Status: 201 });

    /// <summary>True when the queue exists.</summary>
    public Task<bool> ExistsAsync(CancellationToken cancellationToken = default) => StorageFailures.GuardAsync(async () =>
        (await Client.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value);

    /// <summary>Deletes the queue and its messages; false when it did not exist.</summary>
    public Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default) => StorageFailures.GuardAsync(async () =>
        (await Client.DeleteIfExistsAsync(cancellationToken).ConfigureAwait(false)).Value);

    /// <summary>
    /// Puts a message, hidden for <paramref name="visibilityDelay"/> and kept for <paramref name="timeToLive"/> (7 days when
    /// null). Not idempotent: a retry after a lost response can enqueue the text twice, so only messages whose handling is
    /// idempotent (wake-ups) are sent.
    /// </summary>
    public Task<SendReceipt> SendAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default) =>
        StorageFailures.GuardAsync(async () => (await Client.SendMessageAsync(text, visibilityDelay, timeToLive, cancellationToken).ConfigureAwait(false)).Value);

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages, hiding them for <paramref name="visibilityTimeout"/>.</summary>
    public Task<QueueMessage[]> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        StorageFailures.GuardAsync(async () => (await Client.ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken).ConfigureAwait(false)).Value);

    /// <summary>Deletes a received message; false when it is gone or the receipt is stale (both mean someone else has it).</summary>
    public async Task<bool> DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        try
        {
            await Client.DeleteMessageAsync(messageId, popReceipt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404 || e.ErrorCode == "PopReceiptMismatch")
        {
            return false;
        }
        catch (RequestFailedException e)
        {
            throw StorageFailures.Translate(e);
        }
    }
}
