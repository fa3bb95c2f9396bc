using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Coordination.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Storage;

/// <summary>
/// What the Functions host does with a queue message its base64 client cannot decode (another writer put raw text):
/// copies it, as it was, to <c>{queue}-poison</c> and deletes it. Without this the SDK's receive throws
/// <see cref="FormatException"/> for the whole batch on every poll, and the messages behind it are never handled.
/// </summary>
internal static class UndecodableMessages
{
    /// <summary>Suffix of the queue that keeps messages no handler could take, as the host names it.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>
    /// Registers the move on <paramref name="options"/> (clients built from them afterwards use it);
    /// <paramref name="verbatim"/> is a client without message encoding, so the copy keeps the original text.
    /// </summary>
    public static void MoveToPoison(QueueClientOptions options, QueueServiceClient verbatim, ILogger logger) =>
        options.MessageDecodingFailed += args => MoveAsync(verbatim, args, logger);

    private static async Task MoveAsync(QueueServiceClient verbatim, QueueMessageDecodingFailedEventArgs args, ILogger logger)
    {
        // A peeked message has no receipt to delete it with: the next receive moves it. The app only receives
        // asynchronously, so the handler never runs on a synchronous path.
        if (args.ReceivedMessage is not { } message)
        {
            return;
        }
        var poison = new StorageQueue(verbatim.GetQueueClient(args.Queue.Name + PoisonSuffix));
        await poison.CreateIfNotExistsAsync(args.CancellationToken).ConfigureAwait(false);
        await poison.SendAsync(message.Body.ToString(), cancellationToken: args.CancellationToken).ConfigureAwait(false);
        // False when the receipt went stale (this receive outlived its visibility timeout): whoever holds the message
        // now moves it too, and a second poison copy of an unreadable message harms nothing.
        await new StorageQueue(args.Queue).DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken).ConfigureAwait(false);
        logger.LogError("Message {MessageId} on {Queue} is not base64 text; moved to {PoisonQueue}", message.MessageId, args.Queue.Name, poison.Name);
    }
}
