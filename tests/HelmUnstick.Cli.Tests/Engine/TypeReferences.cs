using System.Reflection;
using System.Runtime.CompilerServices;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>What a compiled type names, for the boundary tests: what <c>var</c> and <c>await</c> hide from the source.</summary>
internal static class TypeReferences
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every type a type (and the state machines and closures compiled into it) names in its members and locals.</summary>
    public static IEnumerable<Type> Of(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return baseType;
        }

        foreach (var nested in type.GetNestedTypes(Everything).Where(n => n.IsDefined(typeof(CompilerGeneratedAttribute))))
        {
            foreach (var used in Of(nested))
            {
                yield return used;
            }
        }

        foreach (var field in type.GetFields(Everything))
        {
            yield return field.FieldType;
        }

        foreach (var property in type.GetProperties(Everything))
        {
            yield return property.PropertyType;
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var local in method.GetMethodBody()?.LocalVariables ?? [])
            {
                yield return local.LocalType;
            }
        }
    }
}
