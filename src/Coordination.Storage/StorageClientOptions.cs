using Azure.Core;

namespace Coordination.Storage;

/// <summary>
/// Pipeline options for the Table and Queue clients. The retry policy is Azure.Core's (exponential with
/// jitter, bounded): it retries 408, 429, 500, 502, 503, 504 and connection failures.
/// </summary>
public sealed class StorageClientOptions : ClientOptions
{
    /// <summary>Creates options with retry bounds suited to a coordination service (short waits, few tries).</summary>
    public StorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 4;
        Retry.Delay = TimeSpan.FromMilliseconds(100);
        Retry.MaxDelay = TimeSpan.FromSeconds(2);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        Diagnostics.IsDistributedTracingEnabled = false;
        Diagnostics.IsLoggingEnabled = false;
    }

    /// <summary>Counts every HTTP call the clients make, retries included; null to count nothing.</summary>
    public StorageCallCounter? CallCounter { get; set; }

    /// <summary>How queue message text is encoded on the wire (Functions queue triggers expect base64).</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.Base64;
}

/// <summary>How queue message text is put on the wire.</summary>
public enum QueueMessageEncoding
{
    /// <summary>Base64 of the UTF-8 text: the Functions queue trigger's default.</summary>
    Base64,

    /// <summary>The text as is (XML-escaped).</summary>
    None,
}
