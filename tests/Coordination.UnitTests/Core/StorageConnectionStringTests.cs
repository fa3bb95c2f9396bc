using Coordination.Core.Configuration;
using Coordination.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.UnitTests.Core;

/// <summary>
/// The shapes of <c>AzureWebJobsStorage</c> the Functions host and Azurite hand the app, parsed by the SDK through the
/// app's registration (clients are only built and looked at, nothing is sent), and errors that name the setting but
/// never echo the account key.
/// </summary>
public sealed class StorageConnectionStringTests
{
    private const string Secret = "c2VjcmV0LWtleS12YWx1ZQ==";

    [Theory]
    [InlineData("UseDevelopmentStorage=true", "http://127.0.0.1:10002/devstoreaccount1/coordination", "http://127.0.0.1:10001/devstoreaccount1/coordination-wake")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=myacct;AccountKey=" + Secret + ";EndpointSuffix=core.chinacloudapi.cn",
        "https://myacct.table.core.chinacloudapi.cn/coordination", "https://myacct.queue.core.chinacloudapi.cn/coordination-wake")]
    [InlineData("AccountName=myacct;AccountKey=" + Secret, "https://myacct.table.core.windows.net/coordination", "https://myacct.queue.core.windows.net/coordination-wake")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Secret +
        ";QueueEndpoint=http://127.0.0.1:7001/devstoreaccount1/;TableEndpoint=http://127.0.0.1:7002/devstoreaccount1",
        "http://127.0.0.1:7002/devstoreaccount1/coordination", "http://127.0.0.1:7001/devstoreaccount1/coordination-wake")]
    public void A_connection_string_addresses_the_table_and_queue_it_names(string connectionString, string table, string queue)
    {
        using var services = Build(connectionString);

        var storage = services.GetRequiredService<CoordinationStorage>();

        Assert.Equal((new Uri(table), new Uri(queue)), (storage.Table.Client.Uri, storage.WakeQueue.Client.Uri));
    }

    [Theory]
    [InlineData("garbage;AccountKey=" + Secret)]
    [InlineData("AccountName=myacct;AccountKey=" + Secret + ";TableEndpoint=not a uri")]
    [InlineData("AccountKey=" + Secret + ";TableEndpoint=bad uri;garbage")]
    [InlineData("AccountName=myacct;AccountKey=not*base64!" + Secret)]
    public void A_malformed_connection_string_fails_naming_the_setting_and_never_echoing_the_key(string connectionString)
    {
        using var services = Build(connectionString);

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<CoordinationStorage>());

        Assert.StartsWith("AzureWebJobsStorage is not a valid storage connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("AzureWebJobsStorage", connectionString)])
            .Build();
        var services = new ServiceCollection();
        services.AddCoordinationStorage(configuration, SettingsReader.Read(configuration));
        return services.BuildServiceProvider();
    }
}
