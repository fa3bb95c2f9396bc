using System.Globalization;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage.Queues;

/// <summary>A message put on a queue.</summary>
/// <param name="MessageId">The service's id for the message.</param>
/// <param name="PopReceipt">The receipt needed to delete or update it.</param>
/// <param name="InsertedOn">When it was inserted.</param>
/// <param name="ExpiresOn">When it expires.</param>
/// <param name="NextVisibleOn">When it becomes visible.</param>
public sealed record SendReceipt(string MessageId, string PopReceipt, DateTimeOffset InsertedOn, DateTimeOffset ExpiresOn, DateTimeOffset NextVisibleOn);

/// <summary>A message received from a queue; invisible to others until <see cref="NextVisibleOn"/>.</summary>
/// <param name="MessageId">The service's id for the message.</param>
/// <param name="PopReceipt">The receipt needed to delete or update it (only the latest works).</param>
/// <param name="Text">The decoded message text.</param>
/// <param name="DequeueCount">How many times it has been received.</param>
/// <param name="InsertedOn">When it was inserted.</param>
/// <param name="ExpiresOn">When it expires.</param>
/// <param name="NextVisibleOn">When it becomes visible again unless deleted.</param>
public sealed record QueueMessage(string MessageId, string PopReceipt, string Text, long DequeueCount, DateTimeOffset InsertedOn, DateTimeOffset ExpiresOn, DateTimeOffset NextVisibleOn);

/// <summary>The new receipt after a visibility update.</summary>
/// <param name="PopReceipt">The new receipt (the old one no longer works).</param>
/// <param name="NextVisibleOn">When the message becomes visible.</param>
public sealed record UpdateReceipt(string PopReceipt, DateTimeOffset NextVisibleOn);

/// <summary>
/// A thin client for one queue over the Queue service REST API, shaped like Azure.Storage.Queues' QueueClient.
/// Message text is base64-encoded by default so Functions queue triggers can read it.
/// </summary>
public sealed class QueueClient
{
    internal const string ApiVersion = "2019-02-02";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly QueueMessageEncoding _encoding;

    /// <summary>Creates a client for <paramref name="queueName"/>.</summary>
    public QueueClient(StorageConnection connection, string queueName, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!IsValidQueueName(queueName))
        {
            throw new ArgumentException($"'{queueName}' is not a valid queue name: 3-63 lower-case letters, digits and single hyphens.", nameof(queueName));
        }
        options ??= new StorageClientOptions();
        Name = queueName;
        _endpoint = connection.QueueEndpoint;
        _encoding = options.MessageEncoding;
        _pipeline = StoragePipeline.Build(connection, options, key => new QueueSharedKeyPolicy(key));
    }

    /// <summary>The queue name.</summary>
    public string Name { get; }

    /// <summary>True for names the service accepts.</summary>
    public static bool IsValidQueueName(string? name) =>
        name is { Length: >= 3 and <= 63 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') &&
        char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]) && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>Creates the queue; succeeds when it already exists with the same metadata.</summary>
    public async Task<WriteResult> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Put, string.Empty);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.AlreadyExists);
    }

    /// <summary>True when the queue exists.</summary>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Get, string.Empty);
        message.Request.Uri.AppendQuery("comp", "metadata", escapeValue: false);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            200 => true,
            404 => false,
            _ => throw StorageErrors.ToException(message.Response),
        };
    }

    /// <summary>Deletes the queue and its messages.</summary>
    public async Task<WriteResult> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Delete, string.Empty);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.NotFound);
    }

    /// <summary>
    /// Puts a message. <paramref name="visibilityDelay"/> hides it for a while (0–7 days, less than the TTL);
    /// <paramref name="timeToLive"/> defaults to 7 days; <see cref="Timeout.InfiniteTimeSpan"/> never expires.
    /// Not idempotent: a retry after a lost response can enqueue the text twice, so senders put only
    /// messages whose handling is idempotent (wake-ups).
    /// </summary>
    public async Task<SendReceipt> SendMessageAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateSendMessageRequest(text, visibilityDelay, timeToLive);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 201)
        {
            throw StorageErrors.ToException(response);
        }
        var item = XDocument.Parse(response.Content.ToString()).Root!.Element("QueueMessage")!;
        return new SendReceipt(item.Element("MessageId")!.Value, item.Element("PopReceipt")!.Value,
            ParseDate(item, "InsertionTime"), ParseDate(item, "ExpirationTime"), ParseDate(item, "TimeNextVisible"));
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages, hiding them for <paramref name="visibilityTimeout"/>.</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateReceiveMessagesRequest(maxMessages, visibilityTimeout);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw StorageErrors.ToException(response);
        }
        return XDocument.Parse(response.Content.ToString()).Root!.Elements("QueueMessage").Select(item => new QueueMessage(
            item.Element("MessageId")!.Value,
            item.Element("PopReceipt")!.Value,
            DecodeText(item.Element("MessageText")?.Value ?? string.Empty),
            long.Parse(item.Element("DequeueCount")!.Value, CultureInfo.InvariantCulture),
            ParseDate(item, "InsertionTime"), ParseDate(item, "ExpirationTime"), ParseDate(item, "TimeNextVisible"))).ToList();
    }

    /// <summary>Deletes a received message; NotFound when it is gone or the receipt is stale.</summary>
    public async Task<WriteResult> DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Delete, "/messages/" + Uri.EscapeDataString(messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt, escapeValue: true);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        // A stale receipt is 400 PopReceiptMismatch: for a caller it means the same as a vanished message.
        if (message.Response.Status == 400 && StorageErrors.ReadErrorCode(message.Response) == "PopReceiptMismatch")
        {
            return new WriteResult(StorageOutcome.NotFound, default, "PopReceiptMismatch");
        }
        return StorageErrors.ToWriteResult(message.Response, StorageOutcome.NotFound);
    }

    /// <summary>Changes when a received message becomes visible again (extends or ends its lease).</summary>
    public async Task<UpdateReceipt?> UpdateMessageVisibilityAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        using var message = CreateRequest(RequestMethod.Put, "/messages/" + Uri.EscapeDataString(messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt, escapeValue: true);
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout), escapeValue: false);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status is 404 || (response.Status == 400 && StorageErrors.ReadErrorCode(response) == "PopReceiptMismatch"))
        {
            return null;
        }
        if (response.Status != 204)
        {
            throw StorageErrors.ToException(response);
        }
        response.Headers.TryGetValue("x-ms-popreceipt", out var receipt);
        response.Headers.TryGetValue("x-ms-time-next-visible", out var nextVisible);
        return new UpdateReceipt(receipt!, DateTimeOffset.Parse(nextVisible!, CultureInfo.InvariantCulture));
    }

    internal HttpMessage CreateSendMessageRequest(string text, TimeSpan? visibilityDelay, TimeSpan? timeToLive)
    {
        ArgumentNullException.ThrowIfNull(text);
        var message = CreateRequest(RequestMethod.Post, "/messages");
        if (visibilityDelay is { } delay)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(delay), escapeValue: false);
        }
        if (timeToLive is { } ttl)
        {
            message.Request.Uri.AppendQuery("messagettl", ttl == Timeout.InfiniteTimeSpan ? "-1" : Seconds(ttl), escapeValue: false);
        }
        var encoded = _encoding == QueueMessageEncoding.Base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : SecurityElement.Escape(text);
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes($"<QueueMessage><MessageText>{encoded}</MessageText></QueueMessage>"));
        return message;
    }

    internal HttpMessage CreateReceiveMessagesRequest(int maxMessages, TimeSpan? visibilityTimeout)
    {
        if (maxMessages is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "Receive takes 1 to 32 messages.");
        }
        var message = CreateRequest(RequestMethod.Get, "/messages");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture), escapeValue: false);
        if (visibilityTimeout is { } timeout)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(timeout), escapeValue: false);
        }
        return message;
    }

    private string DecodeText(string wire)
    {
        if (_encoding != QueueMessageEncoding.Base64)
        {
            return wire;
        }
        try
        {
            return StrictUtf8.GetString(Convert.FromBase64String(wire));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            // Written by a sender that did not encode; hand it over as is rather than lose it. Plain words such as
            // "test" are valid base64 but not of UTF-8, hence the strict decoder rather than replacement characters.
            return wire;
        }
    }

    private static string Seconds(TimeSpan span) =>
        ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseDate(XElement item, string name) =>
        item.Element(name) is { } e ? DateTimeOffset.Parse(e.Value, CultureInfo.InvariantCulture) : default;

    private HttpMessage CreateRequest(RequestMethod method, string subPath)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(_endpoint);
        message.Request.Uri.AppendPath("/" + Name + subPath, escape: false);
        message.Request.Headers.SetValue("x-ms-version", ApiVersion);
        return message;
    }
}
