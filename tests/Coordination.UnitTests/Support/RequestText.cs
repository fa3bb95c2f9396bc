using System.Text;
using Azure.Core;

namespace Coordination.UnitTests.Support;

/// <summary>Reads a built request's headers and body in request-builder tests.</summary>
internal static class RequestText
{
    public static string Header(this Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"Header {name} is missing.");

    public static string BodyText(this Request request)
    {
        if (request.Content is null)
        {
            return string.Empty;
        }
        using var stream = new MemoryStream();
        request.Content.WriteTo(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
