using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>Builds the one HTTP pipeline shape every storage client uses.</summary>
internal static class StoragePipeline
{
    private const string StorageScope = "https://storage.azure.com/.default";

    public static HttpPipeline Build(StorageConnection connection, StorageClientOptions options, Func<StorageSharedKeyCredential, HttpPipelinePolicy> sharedKeyPolicy)
    {
        var perRetry = new List<HttpPipelinePolicy>();
        if (options.CallCounter is { } counter)
        {
            perRetry.Add(counter.CreatePolicy());
        }
        if (connection.SharedKey is { } key)
        {
            perRetry.Add(sharedKeyPolicy(key));
        }
        else if (connection.TokenCredential is { } token)
        {
            perRetry.Add(new BearerTokenAuthenticationPolicy(token, StorageScope));
        }
        return HttpPipelineBuilder.Build(options, [new UnreachablePolicy()], perRetry.ToArray(), new ResponseClassifier());
    }
}
