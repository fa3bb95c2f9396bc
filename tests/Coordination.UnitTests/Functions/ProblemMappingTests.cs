using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Coordination.Core.Problems;
using Coordination.Functions.Http;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.AspNetCore.Http;

namespace Coordination.UnitTests.Functions;

/// <summary>The one exception-to-problem mapping, and the catalog it maps into.</summary>
public sealed partial class ProblemMappingTests
{
    public sealed record Probe(int A);

    public sealed record Shaped(int Count, long Big, double Ratio, bool Flag, string Name, DateTimeOffset When, int[] Items);

    public sealed record Named(string Name);

    public enum Grade { Worker, Observer, Coordinator }

    public sealed record Graded(Grade Role, int? MaxAttempts = null);

    [Fact]
    public void A_ProblemException_keeps_its_type_detail_and_extensions()
    {
        var extensions = new Dictionary<string, object?> { ["currentVersion"] = 3L };

        var (type, detail, mapped) = ProblemHandling.Map(new ProblemException(ProblemCatalog.VersionConflict, "Version 2 is stale.", extensions));

        Assert.Same(ProblemCatalog.VersionConflict, type);
        Assert.Equal("Version 2 is stale.", detail);
        Assert.Equal(3L, mapped!["currentVersion"]);
    }

    [Fact]
    public void An_oversized_body_is_payload_too_large()
    {
        var (type, _, _) = ProblemHandling.Map(new BadHttpRequestException("Request body too large.", 413));

        Assert.Equal("payload_too_large", type.Code);
        Assert.Equal(413, type.Status);
    }

    [Fact]
    public void A_non_json_body_is_unsupported_media_type()
    {
        var (type, _, _) = ProblemHandling.Map(new BadHttpRequestException("Expected a supported JSON media type but got \"text/plain\".", 415));

        Assert.Equal("unsupported_media_type", type.Code);
        Assert.Equal(415, type.Status);
    }

    [Theory]
    [InlineData("""{"a": 1,,}""")]
    [InlineData("""{"a": 1""")]
    [InlineData("""{"a": tru}""")]
    [InlineData("not json")]
    public void Unparseable_json_is_malformed_json_with_a_position(string body)
    {
        var json = Deserialize<Probe>(body);

        Assert.Equal("JsonReaderException", json.InnerException?.GetType().Name);
        var (type, detail, extensions) = ProblemHandling.Map(json);
        Assert.Same(ProblemCatalog.MalformedJson, type);
        Assert.Contains("line 1", detail);
        Assert.True(extensions!.ContainsKey("path"));
    }

    [Fact]
    public void Malformed_json_wrapped_by_aspnet_binding_maps_the_same()
    {
        var json = Deserialize<Probe>("""{"a": 1,,}""");

        var (type, _, _) = ProblemHandling.Map(new BadHttpRequestException("Failed to read parameter \"Probe body\" from the request body as JSON.", 400, json));

        Assert.Same(ProblemCatalog.MalformedJson, type);
    }

    [Fact]
    public void A_wrong_type_is_validation_failed_with_the_path_and_a_plain_expectation()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Probe>("""{"a":"x"}"""), typeof(Probe));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.Equal("$.a", extensions!["path"]);
        Assert.Contains("an integer", detail);
        AssertNoDotNetNames(detail);
    }

    [Fact]
    public void A_contract_error_names_the_field_as_every_validation_problem_does()
    {
        var (_, _, extensions) = ProblemHandling.Map(Deserialize<Probe>("""{"a":"x"}"""), typeof(Probe));

        Assert.Equal("a", extensions!["field"]);
        Assert.Equal("tasks[6].priority", ProblemHandling.FieldOf("$.tasks[6].priority"));
        Assert.Null(ProblemHandling.FieldOf("$"));
    }

    [Theory]
    [InlineData("count", "\"x\"", "an integer")]
    [InlineData("count", "1.5", "an integer")]
    [InlineData("big", "\"x\"", "an integer")]
    [InlineData("ratio", "\"x\"", "a number")]
    [InlineData("flag", "\"yes\"", "true or false")]
    [InlineData("name", "42", "a string")]
    [InlineData("when", "\"soon\"", "an ISO 8601 time")]
    [InlineData("items", "\"x\"", "an array")]
    public void Each_wrong_type_names_what_was_expected_in_plain_words(string field, string value, string expected)
    {
        var fields = new Dictionary<string, string>
        {
            ["count"] = "1", ["big"] = "1", ["ratio"] = "1", ["flag"] = "true", ["name"] = "\"n\"", ["when"] = "\"2024-01-01T00:00:00Z\"", ["items"] = "[]",
        };
        fields[field] = value;
        var body = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Shaped>(body), typeof(Shaped));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.Equal("$." + field, extensions!["path"]);
        Assert.Contains(expected, detail);
        AssertNoDotNetNames(detail);
    }

    [Fact]
    public void An_unknown_field_is_validation_failed_naming_it_by_path()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Probe>("""{"a":1,"b":2}"""));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.StartsWith("Unknown field", detail);
        Assert.Equal("$.b", extensions!["path"]);
        AssertNoDotNetNames(detail);
    }

    [Fact]
    public void A_missing_required_field_is_validation_failed_naming_the_field()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Probe>("{}"), typeof(Probe));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.StartsWith("Required field 'a' missing", detail);
        Assert.Equal(["a"], Assert.IsAssignableFrom<IEnumerable<string>>(extensions!["missing"]));
        AssertNoDotNetNames(detail);
    }

    [Fact]
    public void An_unknown_enum_value_lists_the_allowed_wire_names()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Graded>("""{"role":"admin"}"""), typeof(Graded));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.Equal("$.role", extensions!["path"]);
        Assert.Equal(["worker", "observer", "coordinator"], Assert.IsAssignableFrom<IEnumerable<string>>(extensions["allowed"]));
        Assert.Contains("worker, observer, coordinator", detail);
    }

    [Fact]
    public void A_number_sent_as_a_string_is_refused_naming_the_field()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Graded>("""{"role":"worker","maxAttempts":"3"}"""), typeof(Graded));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.Equal("$.maxAttempts", extensions!["path"]);
        Assert.Contains("an integer", detail);
    }

    [Fact]
    public void Nesting_past_the_depth_limit_names_the_limit_rather_than_calling_the_json_malformed()
    {
        var body = new string('[', 200) + new string(']', 200);
        var json = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<JsonElement>(body, JsonDefaults.Options));

        var (type, detail, extensions) = ProblemHandling.Map(json);

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.Equal(JsonContractErrors.MaxDepth, extensions!["limit"]);
        Assert.Contains("64", detail);
    }

    [Fact]
    public void A_null_for_a_non_nullable_field_is_validation_failed_saying_so()
    {
        var (type, detail, extensions) = ProblemHandling.Map(Deserialize<Named>("""{"name":null}"""));

        Assert.Same(ProblemCatalog.ValidationFailed, type);
        Assert.StartsWith("'name' must have a value, not null", detail);
        Assert.Equal("$.name", extensions!["path"]);
        AssertNoDotNetNames(detail);
    }

    [Fact]
    public void A_key_too_long_is_key_too_long_with_the_lengths()
    {
        var (type, detail, _) = ProblemHandling.Map(new TableKeyTooLongException(600));

        Assert.Same(ProblemCatalog.KeyTooLong, type);
        Assert.Contains("600", detail);
    }

    [Fact]
    public void Throttling_is_storage_throttled()
    {
        var (type, _, _) = ProblemHandling.Map(new StorageThrottledException("busy", TimeSpan.FromSeconds(3), new RequestFailedException(503, "ServerBusy")));

        Assert.Same(ProblemCatalog.StorageThrottled, type);
        Assert.Equal(503, type.Status);
    }

    [Fact]
    public void An_unreachable_storage_service_is_storage_unavailable()
    {
        var (type, _, _) = ProblemHandling.Map(new StorageUnavailableException("Connection refused (127.0.0.1:10002)", new RequestFailedException(0, "refused")));

        Assert.Same(ProblemCatalog.StorageUnavailable, type);
    }

    [Fact]
    public void A_request_storage_refuses_is_storage_rejected_with_its_code_and_no_account_details()
    {
        var (type, detail, extensions) = ProblemHandling.Map(new StorageRejectedException(400, "PropertyValueTooLarge", "refused",
            new RequestFailedException(400, "PropertyValueTooLarge for account devstoreaccount1")));

        Assert.Same(ProblemCatalog.StorageRejected, type);
        Assert.Equal(502, type.Status);
        Assert.Equal("PropertyValueTooLarge", extensions!["storageErrorCode"]);
        Assert.DoesNotContain("devstoreaccount1", detail);
    }

    [Fact]
    public void A_raw_storage_exception_that_escaped_the_storage_layer_is_an_internal_error_without_details()
    {
        var (type, detail, _) = ProblemHandling.Map(new RequestFailedException(403, "AuthorizationFailure for account devstoreaccount1"));

        Assert.Same(ProblemCatalog.InternalError, type);
        Assert.DoesNotContain("devstoreaccount1", detail);
    }

    [Fact]
    public void Anything_else_is_an_internal_error_that_leaks_nothing()
    {
        var secret = "AccountKey=c2VjcmV0 at Coordination.Secret.Method()";

        var (type, detail, extensions) = ProblemHandling.Map(new InvalidOperationException(secret, new Exception("inner secret")));

        Assert.Same(ProblemCatalog.InternalError, type);
        Assert.Equal(500, type.Status);
        Assert.DoesNotContain("c2VjcmV0", detail);
        Assert.DoesNotContain("secret", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("trace id", detail);
        Assert.Null(extensions);
    }

    [Fact]
    public void Every_catalog_code_is_unique_snake_case_with_an_error_status()
    {
        Assert.Equal(ProblemCatalog.All.Count, ProblemCatalog.All.Select(p => p.Code).Distinct(StringComparer.Ordinal).Count());
        foreach (var problem in ProblemCatalog.All)
        {
            Assert.Matches(SnakeCase(), problem.Code);
            Assert.InRange(problem.Status, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(problem.Title), problem.Code);
        }
    }

    [Fact]
    public void The_catalog_list_holds_every_defined_problem()
    {
        var defined = typeof(ProblemCatalog).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ProblemType))
            .Select(f => (ProblemType)f.GetValue(null)!)
            .ToList();

        Assert.Equal(defined.Count, ProblemCatalog.All.Count);
        Assert.All(defined, p => Assert.Contains(p, ProblemCatalog.All));
    }

    private static JsonException Deserialize<T>(string body) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<T>(body, JsonDefaults.Options));

    private static void AssertNoDotNetNames(string detail)
    {
        foreach (var leak in new[] { "System.", "Int32", "Int64", "Double", "Boolean", "String", "DateTimeOffset", "Probe", "Shaped", "Named", "Coordination" })
        {
            Assert.DoesNotContain(leak, detail);
        }
    }

    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex SnakeCase();
}

public sealed class BindingFailureMessageTests
{
    [Theory]
    [InlineData("Failed to bind parameter \"int? limit\" from \"abc\".", "Query or route parameter 'limit' has an invalid value 'abc'.")]
    [InlineData("Failed to bind parameter \"Nullable<DateTimeOffset> since\" from \"yesterday\".", "Query or route parameter 'since' has an invalid value 'yesterday'.")]
    [InlineData("Required parameter \"CreateSwarmRequest request\" was not provided from body.", "A JSON request body is required.")]
    [InlineData("Required parameter \"string agentId\" was not provided from route.", "Parameter 'agentId' is required.")]
    [InlineData("Something else entirely about System.Int32.", "The request could not be read.")]
    public void Binding_failures_name_the_parameter_and_value_but_no_dotnet_types(string aspNetMessage, string expected)
    {
        var detail = Coordination.Functions.Http.ProblemHandling.DescribeBindingFailure(aspNetMessage);

        Assert.Equal(expected, detail);
        Assert.DoesNotContain("Int32", detail);
        Assert.DoesNotContain("Nullable", detail);
    }
}
