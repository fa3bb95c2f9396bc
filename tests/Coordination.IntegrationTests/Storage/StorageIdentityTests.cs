using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Coordination.Core.Storage;
using Coordination.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coordination.IntegrationTests.Storage;

/// <summary>
/// With <c>AzureWebJobsStorage__tableServiceUri</c> / <c>__queueServiceUri</c> the app's clients authenticate with the
/// section's credential: <c>Authorization: Bearer</c>, never a shared key. Azurite only takes Bearer over https and
/// Azure.Core refuses to send a token over plain http, so a loopback https recorder stands in for the service.
/// </summary>
public sealed class StorageIdentityTests
{
    private const string Token = "test-token-5f0c1e";

    [Fact]
    public async Task Table_and_queue_requests_of_the_app_carry_the_bearer_token_and_no_shared_key()
    {
        await using var recorder = await RequestRecorder.StartAsync();
        var credential = new StaticTokenCredential(Token);
        var app = BuildApp(new Uri(recorder.BaseAddress, "table/devstoreaccount1"), new Uri(recorder.BaseAddress, "queue/devstoreaccount1"), credential, recorder.Transport);
        try
        {
            var storage = app.Services.GetRequiredService<CoordinationStorage>();

            var entity = await storage.Table.GetEntityAsync("p", "r");
            var messages = await storage.WakeQueue.ReceiveAsync(4, TimeSpan.FromSeconds(30));

            Assert.Null(entity);
            Assert.Empty(messages);
        }
        finally
        {
            await app.DisposeAsync();
        }
        Assert.Collection(recorder.Requests,
            table =>
            {
                Assert.Equal(("GET", "/table/devstoreaccount1/tokentable(PartitionKey='p',RowKey='r')"), (table.Method, table.Path));
                AssertBearer(table);
            },
            queue =>
            {
                Assert.Equal(("GET", "/queue/devstoreaccount1/token-queue/messages"), (queue.Method, queue.Path));
                Assert.Contains("numofmessages=4", queue.Query, StringComparison.Ordinal);
                Assert.Equal("2026-06-06", Assert.Single(queue.Headers["x-ms-version"]));
                AssertBearer(queue);
            });
        Assert.NotEmpty(credential.Requests);
        Assert.All(credential.Requests, scopes => Assert.Equal(["https://storage.azure.com/.default"], scopes));
    }

    [Fact]
    public async Task Identity_settings_with_plain_http_service_uris_are_refused_before_a_token_is_requested()
    {
        var credential = new StaticTokenCredential(Token);
        var app = BuildApp(new Uri("http://127.0.0.1:9/devstoreaccount1"), new Uri("http://127.0.0.1:9/devstoreaccount1"), credential, transport: null);
        try
        {
            var error = Assert.Throws<ArgumentException>(() => app.Services.GetRequiredService<CoordinationStorage>());

            Assert.Contains("without HTTPS", error.Message, StringComparison.Ordinal);
            Assert.Empty(credential.Requests);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>The app (not started) configured for identity-based storage, with the credential and transport replaced.</summary>
    private static WebApplication BuildApp(Uri tableServiceUri, Uri queueServiceUri, TokenCredential credential, HttpPipelineTransport? transport) =>
        CoordinationApp.Build(
        [
            "--AzureWebJobsStorage=",
            $"--AzureWebJobsStorage:tableServiceUri={tableServiceUri}",
            $"--AzureWebJobsStorage:queueServiceUri={queueServiceUri}",
            "--AzureWebJobsStorage:credential=managedidentity",
            "--Coordination:TableName=tokentable",
            "--Coordination:WakeQueueName=token-queue",
            "--Logging:LogLevel:Default=None",
        ], services =>
        {
            services.AddSingleton(credential);
            if (transport is not null)
            {
                services.PostConfigureAll<TableClientOptions>(options => options.Transport = transport);
                services.PostConfigureAll<QueueClientOptions>(options => options.Transport = transport);
            }
        });

    private static void AssertBearer(RecordedRequest request)
    {
        Assert.Equal($"Bearer {Token}", Assert.Single(request.Headers["Authorization"]));
        Assert.DoesNotContain(request.Headers.SelectMany(h => h.Value), v => v.Contains("SharedKey", StringComparison.OrdinalIgnoreCase));
    }

    private sealed class StaticTokenCredential(string token) : TokenCredential
    {
        public ConcurrentQueue<string[]> Requests { get; } = new();

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Requests.Enqueue(requestContext.Scopes);
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed record RecordedRequest(string Method, string Path, string Query, Dictionary<string, string[]> Headers);

    /// <summary>Kestrel on a free loopback https port with a throwaway self-signed certificate; records and answers "nothing here".</summary>
    private sealed class RequestRecorder : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly X509Certificate2 _certificate;
        private readonly ConcurrentQueue<RecordedRequest> _requests;

        private RequestRecorder(WebApplication app, X509Certificate2 certificate, ConcurrentQueue<RecordedRequest> requests, Uri baseAddress)
        {
            _app = app;
            _certificate = certificate;
            _requests = requests;
            BaseAddress = baseAddress;
            var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == certificate.Thumbprint };
            Transport = new HttpClientTransport(handler);
        }

        public Uri BaseAddress { get; }

        /// <summary>A transport that trusts the recorder's certificate (and no other self-signed one).</summary>
        public HttpPipelineTransport Transport { get; }

        public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

        public static async Task<RequestRecorder> StartAsync()
        {
            var certificate = CreateCertificate();
            var requests = new ConcurrentQueue<RecordedRequest>();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
            var app = builder.Build();
            app.Run(context => AnswerAsync(context, requests));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new RequestRecorder(app, certificate, requests, new Uri(address.TrimEnd('/') + "/"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _certificate.Dispose();
        }

        private static async Task AnswerAsync(HttpContext context, ConcurrentQueue<RecordedRequest> requests)
        {
            var request = context.Request;
            requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value!, request.QueryString.Value ?? "",
                request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase)));
            if (request.Path.StartsWithSegments("/queue"))
            {
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessagesList></QueueMessagesList>");
            }
            else
            {
                context.Response.StatusCode = 404;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"odata.error\":{\"code\":\"ResourceNotFound\",\"message\":{\"lang\":\"en-US\",\"value\":\"recorded\"}}}");
            }
        }

        private static X509Certificate2 CreateCertificate()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
        }
    }
}
