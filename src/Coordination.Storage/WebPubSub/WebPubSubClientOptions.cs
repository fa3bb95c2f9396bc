using Azure.Core;

namespace Coordination.Storage.WebPubSub;

/// <summary>Pipeline options of <see cref="WebPubSubServiceClient"/>: the storage clients' one retry policy (<see cref="StorageClientDefaults"/>).</summary>
public sealed class WebPubSubClientOptions : ClientOptions
{
    /// <summary>Creates options with the shared retry policy.</summary>
    public WebPubSubClientOptions() => StorageClientDefaults.Apply(this);
}
