import engine_client


def test_all_is_sorted_and_complete() -> None:
    public = {name for name in dir(engine_client) if not name.startswith("_")}
    assert sorted(engine_client.__all__) == engine_client.__all__
    assert set(engine_client.__all__) == public - {"annotations"}


def test_exported_classes_show_the_package_name() -> None:
    for name in engine_client.__all__:
        obj = getattr(engine_client, name)
        if isinstance(obj, type):
            assert obj.__module__ == "engine_client", name


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("engine_client").joinpath("py.typed").is_file()
