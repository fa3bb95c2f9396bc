namespace Coordination.Functions.Http;

/// <summary>
/// A query parameter bound as text but holding one of an enum's wire names. Minimal APIs bind enums by their .NET names,
/// so such parameters are taken as strings and parsed by the feature; this tells the OpenAPI document their values.
/// </summary>
/// <param name="Parameter">The query parameter's name.</param>
/// <param name="EnumType">The enum whose wire names it takes.</param>
public sealed record QueryEnumMetadata(string Parameter, Type EnumType);

/// <summary>Declares query parameters that take an enum's wire names.</summary>
public static class QueryEnums
{
    /// <summary>Declares that the query parameter <paramref name="parameter"/> takes the wire names of <typeparamref name="TEnum"/>.</summary>
    public static RouteHandlerBuilder TakesEnum<TEnum>(this RouteHandlerBuilder builder, string parameter) where TEnum : struct, Enum =>
        builder.WithMetadata(new QueryEnumMetadata(parameter, typeof(TEnum)));
}
