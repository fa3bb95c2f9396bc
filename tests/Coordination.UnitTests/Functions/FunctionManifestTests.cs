using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Coordination.UnitTests.Functions;

/// <summary>How app routes become the host's function routes (host.json routePrefix "api").</summary>
public sealed class FunctionManifestTests
{
    [Theory]
    [InlineData("api/swarms/{id}", "swarms/{id}")]
    [InlineData("api/health", "health")]
    [InlineData("api/swarms/{swarmId}/tasks/{taskId:guid}", "swarms/{swarmId}/tasks/{taskId:guid}")]
    [InlineData("api/files/{**path}", "files/{*path}")]
    [InlineData("api/{*rest}", "{*rest}")]
    public void The_function_route_drops_the_prefix_and_uses_host_catch_all_syntax(string route, string expected)
    {
        var operation = Operations(Endpoint(route, "Op", "GET")).Single();

        Assert.Equal(expected, operation.FunctionRoute);
    }

    [Fact]
    public void Operations_keep_name_upper_case_methods_and_route_without_leading_slash()
    {
        var operation = Operations(Endpoint("/api/swarms/{id}", "GetSwarm", "get", "head")).Single();

        Assert.Equal("GetSwarm", operation.FunctionName);
        Assert.Equal(["GET", "HEAD"], operation.Methods);
        Assert.Equal("api/swarms/{id}", operation.Route);
    }

    [Fact]
    public void Routes_outside_the_prefix_are_not_public_operations()
    {
        var operations = Operations(
            Endpoint("/ProvisionStorage", "ProvisionStorage", "POST"),
            Endpoint("/apiary/x", "Apiary", "GET"),
            Endpoint("/api/health", "GetHealth", "GET"));

        Assert.Equal(["GetHealth"], operations.Select(o => o.FunctionName));
    }

    [Fact]
    public void An_operation_without_a_name_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Operations(Endpoint("/api/x", null, "GET")));

        Assert.Contains("api/x", error.Message);
    }

    [Fact]
    public void An_operation_without_declared_methods_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Operations(Endpoint("/api/x", "X")));

        Assert.Contains("'X'", error.Message);
    }

    [Fact]
    public void Two_operations_may_not_share_a_function_name_in_any_case()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Operations(Endpoint("/api/a", "Same", "GET"), Endpoint("/api/b", "same", "POST")));

        Assert.Contains("Same", error.Message);
    }

    private static IReadOnlyList<ApiOperation> Operations(params Endpoint[] endpoints) => FunctionManifest.ApiOperations(endpoints);

    private static RouteEndpoint Endpoint(string route, string? name, params string[] methods)
    {
        var metadata = new List<object>();
        if (name is not null)
        {
            metadata.Add(new EndpointNameMetadata(name));
        }
        if (methods.Length > 0)
        {
            metadata.Add(new HttpMethodMetadata(methods));
        }
        return new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(route), 0, new EndpointMetadataCollection(metadata), name);
    }
}
