from django.core.management.base import BaseCommand

from jixiao.web.demo import DEMO_PASSWORD, setup_demo


class Command(BaseCommand):
    help = "创建演示省份、单位、账号并载入示例评价"

    def handle(self, *args, **options):
        for username, unit, role in setup_demo():
            self.stdout.write(f"{username:20} {DEMO_PASSWORD}  {role:6} {unit}")
