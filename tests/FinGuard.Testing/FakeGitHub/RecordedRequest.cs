using System.Text.Json.Nodes;

namespace FinGuard.Testing.FakeGitHub;

/// <summary>One request the fake GitHub server received, as the client sent it.</summary>
public sealed record RecordedRequest
{
    /// <summary>Upper-case HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>The path with any <c>/api/v3</c> prefix removed, e.g. <c>/repos/octo/app/pulls/1/commits</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The raw query string including the leading '?', or empty.</summary>
    public required string QueryString { get; init; }

    /// <summary>Query parameters (last value wins for repeated keys).</summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }

    /// <summary>Request headers, case-insensitive; repeated values joined with ", ".</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The request body as UTF-8 text (empty when there was none).</summary>
    public required string Body { get; init; }

    /// <summary>The base address the client used, including <c>/api/v3/</c> when it used the GHES prefix; ends with '/'.</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>The fake-server route (path or template) that answered, or null when nothing matched (404).</summary>
    public string? Route { get; init; }

    /// <summary>Placeholder values from <see cref="Route"/>, e.g. <c>owner</c>, <c>repo</c>.</summary>
    public IReadOnlyDictionary<string, string> RouteValues { get; init; } = PathTemplate.EmptyValues;

    /// <summary>The GitHub OpenAPI path template this request matches, or null when it is not a GitHub operation.</summary>
    public string? OpenApiTemplate { get; init; }

    /// <summary>The status code the fake answered with (e.g. 304 to a matching <c>If-None-Match</c>); null while being answered.</summary>
    public int? ResponseStatus { get; init; }

    public bool IsMatched => Route is not null;

    /// <summary><see cref="Path"/> plus <see cref="QueryString"/>.</summary>
    public string PathAndQuery => Path + QueryString;

    /// <summary>The header value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body parsed as JSON, or null when empty.</summary>
    public JsonNode? BodyJson() => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public override string ToString() => $"{Method} {PathAndQuery}";
}
