using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>Builds the one HTTP pipeline shape every service client (tables, queues, Web PubSub) uses.</summary>
internal static class StoragePipeline
{
    private const string StorageScope = "https://storage.azure.com/.default";

    public static HttpPipeline Build(StorageConnection connection, StorageClientOptions options, Func<StorageSharedKeyCredential, HttpPipelinePolicy> sharedKeyPolicy)
    {
        HttpPipelinePolicy? auth = connection.SharedKey is { } key ? sharedKeyPolicy(key)
            : connection.TokenCredential is { } token ? new BearerTokenAuthenticationPolicy(token, StorageScope)
            : null;
        return Build(options, auth);
    }

    /// <summary>The same retry, counting and error classification, with <paramref name="auth"/> signing each attempt.</summary>
    public static HttpPipeline Build(StorageClientOptions options, HttpPipelinePolicy? auth)
    {
        var perRetry = new List<HttpPipelinePolicy>();
        if (options.CallCounter is { } counter)
        {
            perRetry.Add(counter.CreatePolicy());
        }
        if (auth is not null)
        {
            perRetry.Add(auth);
        }
        return HttpPipelineBuilder.Build(options, [new UnreachablePolicy()], perRetry.ToArray(), new ResponseClassifier());
    }
}
