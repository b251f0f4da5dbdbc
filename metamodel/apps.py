from django.apps import AppConfig


class MetamodelConfig(AppConfig):
    name = "metamodel"
    verbose_name = "Learning engine"
