using System.Text.Json.Nodes;

namespace FinGuard.Testing.FakeGitHub;

/// <summary>A programmed response of the fake GitHub server.</summary>
/// <param name="StatusCode">HTTP status code.</param>
/// <param name="Body">Response body (JSON unless a Content-Type header says otherwise), or null for none.</param>
/// <param name="Headers">Extra response headers, e.g. <c>Link</c>.</param>
public sealed record FakeResponse(int StatusCode, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>A binary body, written instead of <see cref="Body"/> when set.</summary>
    public byte[]? BinaryBody { get; init; }

    public const string DocumentationUrl = "https://docs.github.com/rest";

    public static FakeResponse Json(string json, int statusCode = 200, IDictionary<string, string>? headers = null) =>
        new(statusCode, json, headers is null ? null : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase));

    public static FakeResponse Json(JsonNode node, int statusCode = 200, IDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Json(node.ToJsonString(), statusCode, headers);
    }

    /// <summary>A GitHub-style error body: <c>{"message":...,"documentation_url":...,"status":"404"}</c>.</summary>
    public static FakeResponse Error(int statusCode, string message)
    {
        var body = new JsonObject
        {
            ["message"] = message,
            ["documentation_url"] = DocumentationUrl,
            ["status"] = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return Json(body, statusCode);
    }

    public static FakeResponse NotFound() => Error(404, "Not Found");

    /// <summary>A redirect (GitHub answers artifact downloads with 302 to a storage URL).</summary>
    public static FakeResponse Redirect(Uri location) => new(302, null, new Dictionary<string, string> { ["Location"] = location.AbsoluteUri });

    /// <summary>Raw bytes, e.g. an artifact zip.</summary>
    public static FakeResponse Binary(byte[] content, string contentType = "application/zip") =>
        new(200, null, new Dictionary<string, string> { ["Content-Type"] = contentType }) { BinaryBody = content };

    public static FakeResponse NoContent() => new(204);
}
