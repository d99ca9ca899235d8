

def test_effect_default_se_after_matching_with_replacement_is_robust():
    """Issue 12: the default se failed after matching with replacement ("needs subclasses")."""
    from effekt.estimators import match
    from effekt.synthetic.examples import cross_section

    data = cross_section(n=300, effect=2.0, seed=5)
    with_repl = match(data, "t", ["x"], replace=True)
    assert with_repl.data["subclass"].isna().any()
    e = with_repl.effect("y")
    assert e.to_frame()["estimate"].iloc[0] == with_repl.effect("y", se="robust").to_frame()[
        "estimate"].iloc[0]
    assert e.std_error == with_repl.effect("y", se="robust").std_error
    pairs = match(data, "t", ["x"])
    assert pairs.effect("y").std_error == pairs.effect("y", se="cluster").std_error
