from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default = True
    name = "joinedup.directory"
    label = "directory"
    verbose_name = "Service directory"
